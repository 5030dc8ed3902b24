//! What the shared layout (`templates/base.html`) needs from every page.

pub use super::i18n::Lang;

/// The signed-in user as the header shows it.
#[derive(Debug, Clone)]
pub struct UserBadge {
    pub display_name: String,
    /// Italian label of the role ("Datore di lavoro", "Intermediario", "Operatore INPS", "Amministratore").
    pub role_label: String,
}

/// Data every page passes to the layout, in a field named `ctx`.
#[derive(Debug, Clone, Default)]
pub struct PageContext {
    /// `None` on the login page and for anonymous visitors.
    pub user: Option<UserBadge>,
    /// Token for the hidden `csrf_token` field of every state-changing form (logout included).
    pub csrf_token: String,
    /// Language of the page (Italian by default, English when chosen).
    pub lang: Lang,
    /// Which top navigation entry is current: "home", "domande", "istruttoria", "admin", "" for none.
    pub nav: &'static str,
    /// One-shot message shown at the top of the page (e.g. "Domanda inviata").
    pub flash: Option<String>,
    /// Whether the signed-in user sees the operator's queue entry in the navigation.
    pub is_operator: bool,
    /// Whether the signed-in user sees the employer-side entries (domande) in the navigation.
    pub is_applicant: bool,
    /// Whether the signed-in user sees the administration entry.
    pub is_admin: bool,
}

impl PageContext {
    /// The text in the page's language (Italian is the source; see `pages::i18n`).
    pub fn t<'a>(&self, italian: &'a str) -> &'a str {
        self.lang.t(italian)
    }
}

impl std::fmt::Display for Lang {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}
