//! Embeds the web front-end (Bootstrap Italia, htmx, Swagger UI and our own CSS/JS) into the binary.
//!
//! 1. If `frontend/node_modules` is missing or older than `frontend/package-lock.json`, runs
//!    `npm ci` there (the packages come from the npm registry, pinned by the lockfile).
//! 2. Picks only the files the pages use and writes `$OUT_DIR/assets.rs`: a table of
//!    `(path, content type, etag, bytes)` with `include_bytes!` of absolute paths, plus
//!    `ASSET_HASH`, a short hash of all of them used as the cache-busting URL prefix.
//!
//! The script reruns only when the lockfile, `package.json`, our own files under `frontend/src`
//! or the marker file npm writes into `node_modules` change, so ordinary builds stay incremental.

use std::env;
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, SystemTime};

use sha2::{Digest, Sha256};

const NPM_MISSING: &str = "npm is required to build omnia's web assets: install Node.js/npm (e.g. apt-get install nodejs npm)";

/// (URL path under /static/<hash>/, source path relative to `frontend/`).
const FILES: &[(&str, &str)] = &[
    (
        "bootstrap-italia/css/bootstrap-italia.min.css",
        "node_modules/bootstrap-italia/dist/css/bootstrap-italia.min.css",
    ),
    // Not the 1 MB "bundle": it carries video.js, whose start-up code injects inline <style>
    // elements that our CSP refuses. This build expects Popper (below) and, only for the carousel,
    // video player and animations we do not use, Splide, video.js and anime as globals.
    (
        "bootstrap-italia/js/bootstrap-italia.min.js",
        "node_modules/bootstrap-italia/dist/js/bootstrap-italia.min.js",
    ),
    (
        "popper/popper.min.js",
        "node_modules/@popperjs/core/dist/umd/popper.min.js",
    ),
    (
        "bootstrap-italia/svg/sprites.svg",
        "node_modules/bootstrap-italia/dist/svg/sprites.svg",
    ),
    ("htmx/htmx.min.js", "node_modules/htmx.org/dist/htmx.min.js"),
    (
        "swagger-ui/swagger-ui.css",
        "node_modules/swagger-ui-dist/swagger-ui.css",
    ),
    (
        "swagger-ui/swagger-ui-bundle.js",
        "node_modules/swagger-ui-dist/swagger-ui-bundle.js",
    ),
    ("omnia/omnia.css", "src/omnia.css"),
    ("omnia/omnia.js", "src/omnia.js"),
    ("omnia/swagger-init.js", "src/swagger-init.js"),
    ("omnia/favicon.svg", "src/favicon.svg"),
];

/// Font folders of Bootstrap Italia whose `.woff2` files `omnia.css` declares.
const FONT_DIRS: &[&str] = &["Titillium_Web", "Roboto_Mono", "Lora"];

fn main() {
    let manifest = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR"));
    let frontend = manifest.join("frontend");
    let lockfile = frontend.join("package-lock.json");
    let marker = frontend.join("node_modules").join(".package-lock.json");

    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed={}", lockfile.display());
    println!(
        "cargo:rerun-if-changed={}",
        frontend.join("package.json").display()
    );
    println!("cargo:rerun-if-changed={}", frontend.join("src").display());
    println!("cargo:rerun-if-changed={}", marker.display());
    println!("cargo:rerun-if-env-changed=OMNIA_NPM");

    ensure_node_modules(&frontend, &lockfile, &marker);

    let mut files: Vec<(String, PathBuf)> = FILES
        .iter()
        .map(|(url, src)| ((*url).to_owned(), frontend.join(src)))
        .collect();
    let fonts = frontend.join("node_modules/bootstrap-italia/dist/fonts");
    for dir in FONT_DIRS {
        let mut woff2: Vec<PathBuf> = fs::read_dir(fonts.join(dir))
            .unwrap_or_else(|e| panic!("reading {}: {e}", fonts.join(dir).display()))
            .filter_map(|entry| entry.ok().map(|entry| entry.path()))
            .filter(|path| path.extension().is_some_and(|ext| ext == "woff2"))
            .collect();
        woff2.sort();
        for path in woff2 {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            files.push((format!("bootstrap-italia/fonts/{dir}/{name}"), path));
        }
    }

    files.sort_by(|a, b| a.0.cmp(&b.0));
    assert!(
        files.windows(2).all(|w| w[0].0 != w[1].0),
        "duplicate asset path"
    );

    let out_dir = PathBuf::from(env::var_os("OUT_DIR").expect("OUT_DIR"));
    let mut all = Sha256::new();
    let mut table = String::from("&[\n");
    for (url, path) in &mut files {
        let mut bytes = fs::read(&*path).unwrap_or_else(|e| {
            panic!(
                "omnia-web: cannot read asset {} ({e}); delete {} and rebuild to reinstall the front-end packages",
                path.display(),
                frontend.join("node_modules").display()
            )
        });
        if url.as_str() == "bootstrap-italia/css/bootstrap-italia.min.css" {
            // Its video.js icon font is a data: URL that Chromium fetches even when unused, which
            // a `font-src 'self'` policy refuses (a console error on every page). We have no video.
            bytes = strip_font_face(&bytes, "VideoJS");
            *path = out_dir.join("bootstrap-italia.min.css");
            write_if_changed(path, &bytes);
        }
        let digest = Sha256::digest(&bytes);
        all.update(url.as_bytes());
        all.update(digest);
        let etag = format!("\"{}\"", &hex(&digest)[..16]);
        let abs = fs::canonicalize(&*path).unwrap_or_else(|_| path.clone());
        writeln!(
            table,
            "    ({url:?}, {ct:?}, {etag:?}, include_bytes!({abs:?})),",
            ct = content_type(url),
            abs = abs.to_string_lossy(),
        )
        .unwrap();
    }
    table.push(']');
    let hash = &hex(&all.finalize())[..8];

    let out = out_dir.join("assets.rs");
    let code = format!(
        "/// Short hash of every embedded asset: the cache-busting prefix of `/static/<hash>/...`.\n\
         pub const ASSET_HASH: &str = {hash:?};\n\
         /// `(path, content type, etag, bytes)` of every embedded asset, sorted by path.\n\
         pub static ASSETS: &[(&str, &str, &str, &[u8])] = {table};\n"
    );
    write_if_changed(&out, code.as_bytes());
}

fn content_type(url: &str) -> &'static str {
    match url.rsplit('.').next().unwrap_or("") {
        "css" => "text/css; charset=utf-8",
        "js" => "text/javascript; charset=utf-8",
        "svg" => "image/svg+xml",
        "woff2" => "font/woff2",
        "woff" => "font/woff",
        "png" => "image/png",
        "json" => "application/json",
        "html" => "text/html; charset=utf-8",
        _ => "application/octet-stream",
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

/// Removes the `@font-face{font-family:<family>;...}` rule(s) from a minified stylesheet.
fn strip_font_face(css: &[u8], family: &str) -> Vec<u8> {
    let css = String::from_utf8_lossy(css);
    let needle = format!("@font-face{{font-family:{family};");
    let mut out = String::with_capacity(css.len());
    let mut rest = css.as_ref();
    while let Some(start) = rest.find(&needle) {
        out.push_str(&rest[..start]);
        rest = rest[start..]
            .find('}')
            .map_or("", |end| &rest[start + end + 1..]);
    }
    out.push_str(rest);
    out.into_bytes()
}

fn write_if_changed(path: &Path, content: &[u8]) {
    if fs::read(path).ok().as_deref() != Some(content) {
        fs::write(path, content).unwrap_or_else(|e| panic!("writing {}: {e}", path.display()));
    }
}

fn mtime(path: &Path) -> Option<SystemTime> {
    fs::metadata(path).and_then(|m| m.modified()).ok()
}

fn node_modules_fresh(lockfile: &Path, marker: &Path) -> bool {
    match (mtime(marker), mtime(lockfile)) {
        (Some(installed), Some(locked)) => installed >= locked,
        _ => false,
    }
}

/// Runs `npm ci` when needed, serialised by a lock directory so that concurrent cargo builds
/// (different target directories, clippy beside build) do not install on top of each other.
fn ensure_node_modules(frontend: &Path, lockfile: &Path, marker: &Path) {
    if node_modules_fresh(lockfile, marker) {
        return;
    }
    let lock = frontend.join(".npm-ci.lock");
    let started = SystemTime::now();
    loop {
        match fs::create_dir(&lock) {
            Ok(()) => break,
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                let stale = mtime(&lock)
                    .and_then(|t| t.elapsed().ok())
                    .is_some_and(|age| age > Duration::from_secs(600));
                if stale {
                    let _ = fs::remove_dir(&lock);
                } else if started.elapsed().unwrap_or_default() > Duration::from_secs(900) {
                    panic!(
                        "omnia-web: timed out waiting for {} (another npm ci?)",
                        lock.display()
                    );
                }
                std::thread::sleep(Duration::from_millis(500));
            }
            Err(e) => panic!("omnia-web: cannot create {}: {e}", lock.display()),
        }
    }
    struct Unlock<'a>(&'a Path);
    impl Drop for Unlock<'_> {
        fn drop(&mut self) {
            let _ = fs::remove_dir(self.0);
        }
    }
    let _unlock = Unlock(&lock);
    if node_modules_fresh(lockfile, marker) {
        return; // another build installed them while we waited
    }

    let npm = env::var("OMNIA_NPM").unwrap_or_else(|_| "npm".to_owned());
    let output = Command::new(&npm)
        .args([
            "ci",
            "--no-audit",
            "--no-fund",
            "--ignore-scripts",
            "--loglevel=error",
        ])
        .current_dir(frontend)
        .output();
    let output = match output {
        Ok(output) => output,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => panic!("{NPM_MISSING}"),
        Err(e) => panic!("{NPM_MISSING} (running `{npm}` failed: {e})"),
    };
    if !output.status.success() {
        panic!(
            "omnia-web: `npm ci` in {} failed ({}):\n{}\n{}",
            frontend.display(),
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }
    // npm ci has just rewritten node_modules/.package-lock.json, a file this script watches: left
    // as is, it would look changed after this build started and cargo would run the script (and
    // rebuild this crate) once more on the next build. Give it the lockfile's time instead, which
    // also keeps `node_modules_fresh` true.
    if let (Some(locked), Ok(file)) = (
        mtime(lockfile),
        fs::File::options().append(true).open(marker),
    ) {
        let _ = file.set_modified(locked);
    }
}
