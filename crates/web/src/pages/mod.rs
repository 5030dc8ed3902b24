//! Server-rendered pages. Every page template extends `templates/base.html`
//! and carries a [`PageContext`] in a field named `ctx`.

pub mod layout;
pub use layout::PageContext;
