//! Reference data versions (issue 3, point 3): the built-in `crates/domain/data/reference.json`
//! plus every version an administrator published, each with its effective date.
//!
//! The versions live in memory in an immutable snapshot behind `RwLock<Arc<_>>`: a request
//! takes the read lock just long enough to clone an `Arc` (no database query, no copy of the
//! data), and a publication swaps in a new snapshot. [`Services::load_reference_versions`]
//! fills it at start-up; [`Services::spawn_reference_refresh`] re-reads it periodically so
//! that every node of a multi-node deployment sees a version published on another node.
//!
//! Policy: a version takes effect from **tomorrow at the earliest** (server's UTC date, see
//! [`Services::today`]). Nothing already computed or decided today can change under the
//! user's feet, and every node has reloaded the versions (refresh interval ≪ 1 day) before
//! the new one is in force.

use std::sync::{Arc, RwLock};
use std::time::Duration;

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use omnia_domain::reference::{Reference, ReferenceError, ReferenceVersions};
use omnia_store::UserId;
use omnia_store::audit::NewAuditEvent;
use omnia_store::reference::{NewReferenceVersion, ReferenceVersionRow};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::{AdminScope, FieldError, ServiceError, Services};

/// Longest accepted version label.
pub const MAX_LABEL_LEN: usize = 64;

/// One version of the reference data, as listed to administrators.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ReferenceVersionView {
    /// Id of the stored version; absent for the built-in one.
    #[schema(format = Int64)]
    pub id: Option<i64>,
    /// Version label, e.g. `2026.2`.
    pub label: String,
    /// First day this version is in force.
    pub effective_from: NaiveDate,
    /// `builtin` (shipped with the release) or `published` (by an administrator).
    pub source: ReferenceSource,
    pub published_by: Option<UserId>,
    pub published_by_username: Option<String>,
    pub published_at: Option<DateTime<Utc>>,
    /// Whether this is the version in force on the server's current date.
    pub in_force_today: bool,
    /// SHA-256 (hex) of the stored JSON document (also in the audit event); absent for the
    /// built-in version.
    pub sha256: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReferenceSource {
    Builtin,
    Published,
}

/// An immutable set of versions, with each version shareable on its own.
struct Snapshot {
    all: Arc<ReferenceVersions>,
    /// Same order as `all.versions()` (effective date, then publication order).
    shared: Vec<Arc<Reference>>,
}

impl Snapshot {
    fn new(all: ReferenceVersions) -> Self {
        let shared = all.versions().iter().cloned().map(Arc::new).collect();
        Self {
            all: Arc::new(all),
            shared,
        }
    }

    /// Same rule as `ReferenceVersions::in_force`: the latest version whose effective date
    /// is not after `date`, the earliest one for older dates.
    fn in_force(&self, date: NaiveDate) -> Arc<Reference> {
        let i = self
            .all
            .versions()
            .iter()
            .rposition(|v| v.effective_from <= date)
            .unwrap_or(0);
        Arc::clone(&self.shared[i])
    }
}

/// The in-memory versions shared by every clone of [`Services`].
#[derive(Clone)]
pub(crate) struct ReferenceCache(Arc<RwLock<Arc<Snapshot>>>);

impl Default for ReferenceCache {
    /// The built-in version only, until [`Services::load_reference_versions`] runs.
    fn default() -> Self {
        Self(Arc::new(RwLock::new(Arc::new(Snapshot::new(
            ReferenceVersions::with_builtin(),
        )))))
    }
}

impl ReferenceCache {
    fn snapshot(&self) -> Arc<Snapshot> {
        Arc::clone(&self.0.read().unwrap_or_else(|e| e.into_inner()))
    }

    fn replace(&self, s: Snapshot) {
        *self.0.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(s);
    }
}

fn sha256_hex(s: &str) -> String {
    hex::encode(Sha256::digest(s.as_bytes()))
}

/// Built-in version plus the stored ones. A stored document that no longer parses (a
/// release changed the schema without migrating it) is an error: running with silently
/// different rules would be worse than not starting.
fn build(rows: &[ReferenceVersionRow]) -> Result<ReferenceVersions, ServiceError> {
    let mut all = ReferenceVersions::with_builtin();
    for row in rows {
        let r = Reference::from_json(&row.document).map_err(|e| {
            ServiceError::Internal(format!("stored reference version '{}': {e}", row.label))
        })?;
        all.publish(r).map_err(|e| {
            ServiceError::Internal(format!("stored reference version '{}': {e}", row.label))
        })?;
    }
    Ok(all)
}

fn label_error(code: &'static str, it: &str, en: &str) -> FieldError {
    FieldError::new("/label", "versione", code, it, en)
}

impl Services {
    /// Every version (built-in and published), as loaded in memory. Cheap: an `Arc` clone.
    pub fn reference_versions(&self) -> Arc<ReferenceVersions> {
        Arc::clone(&self.reference.snapshot().all)
    }

    /// The version in force on `date` (R-AMT-2, R-CAUS-1). Cheap: an `Arc` clone under a
    /// read lock, no database query — called by every simulation.
    pub fn reference_in_force(&self, date: NaiveDate) -> Arc<Reference> {
        self.reference.snapshot().in_force(date)
    }

    /// Reads the published versions from the database into memory. Call once at start-up
    /// (after migrating); idempotent, so it may also be called to refresh.
    pub async fn load_reference_versions(&self) -> Result<(), ServiceError> {
        let rows = {
            let mut tx = self.db().read().await?;
            tx.reference_versions().await?
        };
        let all = build(&rows)?;
        // Debug: `omnia simulate --database-url` prints its JSON on the log's stream.
        tracing::debug!(
            versions = all.versions().len(),
            "reference data versions loaded"
        );
        self.reference.replace(Snapshot::new(all));
        Ok(())
    }

    /// Re-reads the versions every `every` (multi-node deployments: a version published on
    /// another node is seen here well before it takes effect, see the module policy).
    /// Errors are logged and the current versions kept.
    pub fn spawn_reference_refresh(&self, every: Duration) -> tokio::task::JoinHandle<()> {
        let services = self.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            tick.tick().await; // the first tick is immediate; start-up already loaded
            loop {
                tick.tick().await;
                if let Err(e) = services.load_reference_versions().await {
                    tracing::error!(error = %e, "reference data refresh failed");
                }
            }
        })
    }

    /// The built-in version and every published one, by effective date.
    pub async fn list_reference_versions(
        &self,
        _a: &AdminScope,
    ) -> Result<Vec<ReferenceVersionView>, ServiceError> {
        let rows = {
            let mut tx = self.db().read().await?;
            tx.reference_versions().await?
        };
        let today = self.today();
        let builtin = Reference::builtin();
        let mut items = Vec::with_capacity(rows.len() + 1);
        items.push(ReferenceVersionView {
            id: None,
            label: builtin.version.clone(),
            effective_from: builtin.effective_from,
            source: ReferenceSource::Builtin,
            published_by: None,
            published_by_username: None,
            published_at: None,
            in_force_today: false,
            sha256: None,
        });
        items.extend(rows.into_iter().map(|r| ReferenceVersionView {
            id: Some(r.id),
            sha256: Some(sha256_hex(&r.document)),
            label: r.label,
            effective_from: r.effective_from,
            source: ReferenceSource::Published,
            published_by: Some(r.published_by),
            published_by_username: r.published_by_username,
            published_at: Some(r.published_at),
            in_force_today: false,
        }));
        // Stable: same order as `ReferenceVersions` (effective date, then publication).
        items.sort_by_key(|v| v.effective_from);
        if let Some(i) = items.iter().rposition(|v| v.effective_from <= today) {
            items[i].in_force_today = true;
        } else if let Some(first) = items.first_mut() {
            first.in_force_today = true;
        }
        Ok(items)
    }

    /// Publishes a new version of the reference data, in force from `effective_from`.
    ///
    /// `document` is the JSON of a complete version (the format of
    /// `crates/domain/data/reference.json`); its `version` and `effective_from` may be
    /// omitted (they are taken from `label` and `effective_from`) but must match if given.
    /// Refused with a [`FieldError`] naming the field (JSON pointer from the request body,
    /// `/document/...` inside the document) when the label is malformed, the date is not
    /// in the future (tomorrow at the earliest) or the document is invalid; with a conflict
    /// (`reference_version_exists`) when the label is taken. Stored together with the
    /// `reference.publish` audit event, in one transaction; nothing is stored on error.
    pub async fn publish_reference_version(
        &self,
        a: &AdminScope,
        label: &str,
        effective_from: NaiveDate,
        document: &str,
    ) -> Result<ReferenceVersionView, ServiceError> {
        let label = label.trim();
        let mut errors = Vec::new();
        if label.is_empty() || label.len() > MAX_LABEL_LEN {
            errors.push(label_error(
                "invalid_label",
                "Indicare l'etichetta della versione (massimo 64 caratteri), es. 2026.2.",
                "Give the version label (at most 64 characters), e.g. 2026.2.",
            ));
        } else if !label
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
        {
            errors.push(label_error(
                "invalid_label",
                "Etichetta della versione: solo lettere, cifre, punto, trattino, trattino basso.",
                "Version label: letters, digits, dot, dash and underscore only.",
            ));
        }
        let tomorrow = self.today() + TimeDelta::days(1);
        if effective_from < tomorrow {
            errors.push(FieldError::new(
                "/effective_from",
                "decorrenza",
                "effective_date_not_future",
                format!(
                    "La decorrenza deve essere futura: dal {} in poi.",
                    tomorrow.format("%d/%m/%Y")
                ),
                format!("The effective date must be in the future: {tomorrow} or later."),
            ));
        } else if effective_from <= Reference::builtin().effective_from {
            // Only reachable with a wrong server clock; it would shadow the built-in version.
            let builtin_from = Reference::builtin().effective_from;
            errors.push(FieldError::new(
                "/effective_from",
                "decorrenza",
                "effective_date_before_builtin",
                format!(
                    "La decorrenza deve seguire quella della versione di base ({}).",
                    builtin_from.format("%d/%m/%Y")
                ),
                format!("The effective date must follow the built-in version's ({builtin_from})."),
            ));
        }
        let parsed = parse_document(label, effective_from, document);
        let (reference, text) = match parsed {
            Ok(ok) => (Some(ok.0), ok.1),
            Err(e) => {
                errors.push(e);
                (None, String::new())
            }
        };
        if !errors.is_empty() {
            return Err(ServiceError::Validation(errors));
        }
        let Some(reference) = reference else {
            return Err(ServiceError::Internal("unreachable: no document".into()));
        };
        if label == Reference::builtin().version {
            return Err(taken(label));
        }

        let now = self.now();
        let digest = sha256_hex(&text);
        let mut tx = self.db().begin().await?;
        if tx.reference_label_exists(label).await? {
            return Err(taken(label));
        }
        let id = match tx
            .insert_reference_version(&NewReferenceVersion {
                label,
                effective_from,
                document: &text,
                published_by: a.actor(),
                published_at: now,
            })
            .await
        {
            Ok(id) => id,
            Err(e) if e.is_unique_violation() => return Err(taken(label)),
            Err(e) => return Err(e.into()),
        };
        tx.append_audit(NewAuditEvent {
            actor: Some(a.actor()),
            on_behalf_of: None,
            action: "reference.publish".into(),
            target_type: "reference_version".into(),
            target_id: id.to_string(),
            details: serde_json::json!({
                "label": label,
                "effective_from": effective_from,
                "sha256": digest,
            }),
        })
        .await?;
        let row = tx
            .reference_version(id)
            .await?
            .ok_or_else(|| ServiceError::Internal("reference version vanished".into()))?;
        tx.commit().await?;

        // Refresh from the database (also picks up versions published on other nodes); if
        // that fails, add the new version to the current set so this node is not stale.
        if let Err(e) = self.load_reference_versions().await {
            tracing::error!(error = %e, "reload after publication failed; adding locally");
            let mut all = (*self.reference_versions()).clone();
            if all.publish(reference).is_ok() {
                self.reference.replace(Snapshot::new(all));
            }
        }
        let today = self.today();
        let in_force_today = self.reference_in_force(today).version == row.label;
        Ok(ReferenceVersionView {
            id: Some(row.id),
            label: row.label,
            effective_from: row.effective_from,
            source: ReferenceSource::Published,
            published_by: Some(row.published_by),
            published_by_username: row.published_by_username,
            published_at: Some(row.published_at),
            in_force_today,
            sha256: Some(digest),
        })
    }
}

fn taken(label: &str) -> ServiceError {
    ServiceError::conflict(
        "reference_version_exists",
        format!("La versione «{label}» dei dati di riferimento è già pubblicata."),
    )
}

/// Parses and validates the document; returns it with the normalised JSON text to store
/// (`version` and `effective_from` filled in).
fn parse_document(
    label: &str,
    effective_from: NaiveDate,
    document: &str,
) -> Result<(Reference, String), FieldError> {
    let doc_error = |pointer: String, code: &'static str, it: String, en: String| {
        FieldError::new(pointer, "documento", code, it, en)
    };
    let mut value: serde_json::Value = serde_json::from_str(document).map_err(|e| {
        doc_error(
            "/document".into(),
            "invalid_json",
            format!("Il documento non è JSON valido: {e}"),
            format!("The document is not valid JSON: {e}"),
        )
    })?;
    let Some(obj) = value.as_object_mut() else {
        return Err(doc_error(
            "/document".into(),
            "document_not_object",
            "Il documento deve essere un oggetto JSON (il formato di reference.json).".into(),
            "The document must be a JSON object (the format of reference.json).".into(),
        ));
    };
    let date_text = effective_from.to_string();
    for (key, expected) in [("version", label), ("effective_from", date_text.as_str())] {
        match obj.get(key) {
            None => {
                obj.insert(key.into(), serde_json::Value::String(expected.into()));
            }
            Some(serde_json::Value::String(s)) if s == expected => {}
            Some(other) => {
                return Err(doc_error(
                    format!("/document/{key}"),
                    "document_mismatch",
                    format!(
                        "«{key}» del documento ({other}) diverso da quello della richiesta ({expected}): ometterlo o renderlo uguale."
                    ),
                    format!(
                        "The document's '{key}' ({other}) differs from the request's ({expected}): omit it or make it equal."
                    ),
                ));
            }
        }
    }
    let reference: Reference = serde_path_to_error::deserialize(&value).map_err(|e| {
        let pointer = format!("/document{}", pointer_of(e.path()));
        let msg = e.into_inner().to_string();
        doc_error(
            pointer,
            "invalid_reference_document",
            format!("Dati di riferimento non validi: {msg}"),
            format!("Invalid reference data: {msg}"),
        )
    })?;
    if let Err(e) = reference.validate() {
        let msg = match &e {
            ReferenceError::Parse(m) | ReferenceError::Invalid(m) => m.clone(),
        };
        return Err(doc_error(
            format!("/document{}", locate(&reference, &msg)),
            "invalid_reference_document",
            format!("Dati di riferimento non validi: {msg}"),
            format!("Invalid reference data: {msg}"),
        ));
    }
    let text = serde_json::to_string_pretty(&value).map_err(|e| {
        doc_error(
            "/document".into(),
            "invalid_json",
            e.to_string(),
            e.to_string(),
        )
    })?;
    Ok((reference, text))
}

fn pointer_of(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut p = String::new();
    for seg in path.iter() {
        match seg {
            Segment::Seq { index } => p.push_str(&format!("/{index}")),
            Segment::Map { key } => {
                p.push('/');
                p.push_str(&key.replace('~', "~0").replace('/', "~1"));
            }
            Segment::Enum { variant } => {
                p.push('/');
                p.push_str(variant);
            }
            Segment::Unknown => {}
        }
    }
    p
}

/// The JSON pointer (inside the document) of the element a `Reference::validate` message
/// is about. The messages are the domain's (`reference.rs`); a test below keeps them in
/// step. Unknown messages point at the whole document.
fn locate(r: &Reference, msg: &str) -> String {
    let quoted = msg.split('\'').nth(1).unwrap_or_default();
    let causale = |c: &str| r.causali.iter().rposition(|x| x.code == c);
    if msg.starts_with("causale code") {
        if let Some(i) = causale(quoted) {
            return format!("/causali/{i}/code");
        }
    } else if msg.starts_with("causale '") {
        if let Some(i) = causale(quoted) {
            let field = if msg.contains("ends before") {
                "valid_to"
            } else {
                "benefits"
            };
            return format!("/causali/{i}/{field}");
        }
    } else if let Some(rest) = msg.strip_prefix("massimale for ") {
        let year: Option<i32> = rest
            .split(|c: char| !c.is_ascii_digit())
            .next()
            .and_then(|y| y.parse().ok());
        if let Some(i) = year.and_then(|y| r.massimali.iter().rposition(|m| m.year == y)) {
            let field = if msg.contains("duplicated") {
                "year"
            } else {
                "net"
            };
            return format!("/massimali/{i}/{field}");
        }
        return "/massimali".into();
    } else if msg.starts_with("additional contribution rate") {
        for (i, a) in r.additional_contribution.iter().enumerate() {
            let bad = |b: &&omnia_domain::reference::RateBand| {
                b.rate < rust_decimal::Decimal::ZERO || b.rate >= rust_decimal::Decimal::ONE
            };
            if let Some(j) = a.bands.iter().position(|b| bad(&b)) {
                return format!("/additional_contribution/{i}/bands/{j}/rate");
            }
            if let Some(j) = a.reduced_bands.iter().flatten().position(|b| bad(&b)) {
                return format!("/additional_contribution/{i}/reduced_bands/{j}/rate");
            }
        }
        return "/additional_contribution".into();
    } else if msg.starts_with("additional contribution for") {
        if let Some(i) = r
            .additional_contribution
            .iter()
            .position(|a| a.bands.last().is_none_or(|b| b.up_to_weeks.is_some()))
        {
            return format!("/additional_contribution/{i}/bands");
        }
        return "/additional_contribution".into();
    } else if msg.starts_with("no parameters") {
        return "/parameters".into();
    } else if msg.starts_with("regime id") {
        if let Some(i) = r.regimes.iter().rposition(|g| g.id == quoted) {
            return format!("/regimes/{i}/id");
        }
    } else if msg.starts_with("regime '") {
        if let Some(i) = r.regimes.iter().position(|g| g.id == quoted) {
            let unknown = msg.rsplit('\'').nth(1).unwrap_or_default();
            let field = if r.regimes[i].causali.iter().any(|c| c == unknown) {
                "causali"
            } else {
                "replaces_causali"
            };
            return format!("/regimes/{i}/{field}");
        }
        return "/regimes".into();
    } else if msg.starts_with("one_third_divisor") {
        if let Some(i) = r.parameters.iter().position(|p| p.one_third_divisor == 0) {
            return format!("/parameters/{i}/one_third_divisor");
        }
        return "/parameters".into();
    }
    String::new()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn doc_with(f: impl FnOnce(&mut Reference)) -> String {
        let mut r = Reference::builtin().clone();
        r.version = "2027.1".into();
        r.effective_from = date("2027-01-01");
        f(&mut r);
        serde_json::to_string(&r).unwrap()
    }

    fn pointer(doc: &str) -> String {
        parse_document("2027.1", date("2027-01-01"), doc)
            .unwrap_err()
            .pointer
    }

    #[test]
    fn every_domain_message_is_located() {
        assert_eq!(
            pointer(&doc_with(|r| r.causali.push(r.causali[1].clone()))),
            format!(
                "/document/causali/{}/code",
                Reference::builtin().causali.len()
            )
        );
        assert_eq!(
            pointer(&doc_with(|r| r.causali[2].benefits.clear())),
            "/document/causali/2/benefits"
        );
        assert_eq!(
            pointer(&doc_with(|r| {
                r.causali[0].valid_to = Some(date("2000-01-01"));
            })),
            "/document/causali/0/valid_to"
        );
        assert_eq!(
            pointer(&doc_with(
                |r| r.massimali[1].net = r.massimali[1].gross + rust_decimal::Decimal::ONE
            )),
            "/document/massimali/1/net"
        );
        assert_eq!(
            pointer(&doc_with(|r| r.massimali.push(r.massimali[0].clone()))),
            format!("/document/massimali/{}/year", r_len(|r| r.massimali.len()))
        );
        assert_eq!(
            pointer(&doc_with(
                |r| r.additional_contribution[0].bands[0].rate = rust_decimal::Decimal::ONE
            )),
            "/document/additional_contribution/0/bands/0/rate"
        );
        assert_eq!(
            pointer(&doc_with(|r| r.parameters.clear())),
            "/document/parameters"
        );
        assert_eq!(
            pointer(&doc_with(|r| r.parameters[0].one_third_divisor = 0)),
            "/document/parameters/0/one_third_divisor"
        );
        if !Reference::builtin().regimes.is_empty() {
            assert_eq!(
                pointer(&doc_with(|r| r.regimes[0].causali.push("ZZZ".into()))),
                "/document/regimes/0/causali"
            );
        }
    }

    fn r_len(f: impl Fn(&Reference) -> usize) -> usize {
        f(Reference::builtin())
    }

    #[test]
    fn parse_errors_name_the_field() {
        assert_eq!(pointer("[]"), "/document");
        assert_eq!(pointer("{"), "/document");
        let mut v: serde_json::Value = serde_json::from_str(&doc_with(|_| {})).unwrap();
        v["massimali"][0]["gross"] = serde_json::json!("abc");
        v.as_object_mut().unwrap().remove("version");
        v.as_object_mut().unwrap().remove("effective_from");
        assert_eq!(pointer(&v.to_string()), "/document/massimali/0/gross");
        v.as_object_mut().unwrap().remove("causali");
        v["massimali"][0]["gross"] = serde_json::json!("1.00");
        let e = parse_document("2027.1", date("2027-01-01"), &v.to_string()).unwrap_err();
        assert!(e.message_en.contains("causali"), "{e:?}");
    }

    #[test]
    fn version_and_date_are_filled_in_or_must_match() {
        let mut v: serde_json::Value = serde_json::from_str(&doc_with(|_| {})).unwrap();
        v.as_object_mut().unwrap().remove("version");
        v.as_object_mut().unwrap().remove("effective_from");
        let (r, text) = parse_document("2027.1", date("2027-01-01"), &v.to_string()).unwrap();
        assert_eq!(r.version, "2027.1");
        assert_eq!(r.effective_from, date("2027-01-01"));
        assert_eq!(Reference::from_json(&text).unwrap(), r);
        // The built-in document carries "2026.1": a mismatch names the field.
        let builtin = serde_json::to_string(Reference::builtin()).unwrap();
        assert_eq!(pointer(&builtin), "/document/version");
    }

    #[test]
    fn in_force_follows_the_domain() {
        let mut all = ReferenceVersions::with_builtin();
        let mut next = Reference::builtin().clone();
        next.version = "2027.1".into();
        next.effective_from = date("2027-02-01");
        all.publish(next).unwrap();
        let s = Snapshot::new(all.clone());
        for d in ["2020-01-01", "2027-01-31", "2027-02-01", "2030-01-01"] {
            assert_eq!(
                s.in_force(date(d)).version,
                all.in_force(date(d)).unwrap().version
            );
        }
    }
}
