//! The authorisations a flow is checked against.
//!
//! A plain struct, filled either from a JSON file (phase 1, `--authorisations
//! FILE`, streamed so that a million workers fit in a few tens of MiB) or,
//! later, from the database through the same [`Authorisations::add`] /
//! [`Authorisations::add_worker`] calls. The checker only reads it.
//!
//! JSON format (see `docs/flows/README.md`):
//!
//! ```json
//! {"authorisations": [{"number": "AUT.4900.2025.0000007", "ticket": "TK202500000042X",
//!   "employer_cf": "01234567897", "benefit": "cigo",
//!   "period": {"start": "2025-03-01", "end": "2025-03-31"},
//!   "authorised_on": "2025-04-02", "total_hours": "640",
//!   "payment": "direct",
//!   "workers": {"RSSMRA80A01H501U": "160"}, "used": {"RSSMRA80A01H501U": "16"}}],
//!  "accepted_records": [{"cf": "RSSMRA80A01H501U", "month": "2025-02", "qualifiche": "2FI"}]}
//! ```

use std::collections::HashMap;
use std::fmt;
use std::hash::{BuildHasher, Hasher};
use std::io::Read;

use chrono::NaiveDate;
use omnia_domain::application::Period;
use omnia_domain::benefit::Benefit;
use omnia_domain::ids::{AuthorisationNumber, CodiceFiscale, Ticket};
use serde::de::{DeserializeSeed, Error as _, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer};

use crate::values::{parse_centi, parse_month};

/// A person's codice fiscale as 16 ASCII bytes.
pub type Cf16 = [u8; 16];

/// Converts a valid person codice fiscale.
pub fn cf16(cf: &CodiceFiscale) -> Option<Cf16> {
    cf.as_str().as_bytes().try_into().ok()
}

/// Fast hasher for 16-byte keys (the keys are checksummed codes, not
/// attacker-chosen in a way that matters for a one-shot check).
#[derive(Clone, Copy, Default)]
pub struct CfHash;

#[derive(Default)]
pub struct CfHasher(u64);

impl Hasher for CfHasher {
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut w = [0u8; 8];
            w[..chunk.len()].copy_from_slice(chunk);
            self.0 = (self.0.rotate_left(5) ^ u64::from_le_bytes(w))
                .wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
        }
    }
    fn write_usize(&mut self, n: usize) {
        self.write(&n.to_le_bytes());
    }
    fn finish(&self) -> u64 {
        let mut x = self.0;
        x ^= x >> 33;
        x = x.wrapping_mul(0xff51_afd7_ed55_8ccd);
        x ^= x >> 33;
        x
    }
}

impl BuildHasher for CfHash {
    type Hasher = CfHasher;
    fn build_hasher(&self) -> CfHasher {
        CfHasher(0)
    }
}

/// How the benefit of an authorisation is paid (R-FLO-4). Flows exist only for direct
/// payment; on the conguaglio route the employer offsets the benefit and declares what was
/// used instead (CP10).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PaymentRoute {
    /// Pagamento diretto: INPS pays the worker from the flows (the default).
    #[default]
    Direct,
    /// Conguaglio: the employer pays and offsets; no flow is accepted.
    Conguaglio,
}

/// One authorisation (decision) with the data the checks need.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authorisation {
    pub number: AuthorisationNumber,
    pub ticket: Option<Ticket>,
    pub employer_cf: CodiceFiscale,
    pub benefit: Benefit,
    pub period: Period,
    /// Date the authorisation was communicated (R-FLO-3 deadline).
    pub authorised_on: NaiveDate,
    /// Total hours authorised for all workers, in hundredths, if capped.
    pub total_centi: Option<u64>,
    /// Payment route of the application (JSON `"payment"`, direct when absent).
    pub payment: PaymentRoute,
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct Grant {
    pub auth: u32,
    /// Authorised hours for the worker, hundredths.
    pub authorised: u32,
    /// Hours already used (accepted earlier), hundredths.
    pub used: u32,
    pub next: u32,
}

/// A record accepted earlier (for the replacement rules CO08/CO09).
#[derive(Debug, Clone, Copy)]
pub(crate) struct AcceptedRecord {
    pub cf: Cf16,
    pub month: u32,
    pub quals: [u8; 3],
}

pub(crate) const NONE: u32 = u32::MAX;

/// Errors loading authorisations.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("authorisations file: {0}")]
    Json(#[from] serde_json::Error),
    #[error("authorisations: {0}")]
    Invalid(String),
}

/// The authorisations, indexed for the checks.
#[derive(Debug, Default)]
pub struct Authorisations {
    list: Vec<Authorisation>,
    used_total: Vec<u64>,
    by_number: HashMap<String, u32>,
    by_ticket: HashMap<String, u32>,
    workers: HashMap<Cf16, u32, CfHash>,
    heads: Vec<u32>,
    grants: Vec<Grant>,
    accepted: Vec<AcceptedRecord>,
}

impl Authorisations {
    pub fn new() -> Self {
        Self::default()
    }

    /// Reserves room for `workers` beneficiaries.
    pub fn reserve_workers(&mut self, workers: usize) {
        self.workers.reserve(workers);
        self.heads.reserve(workers);
        self.grants.reserve(workers);
    }

    /// Adds an authorisation; returns its index.
    pub fn add(&mut self, a: Authorisation) -> Result<u32, LoadError> {
        let id = self.list.len() as u32;
        if self
            .by_number
            .insert(a.number.as_str().to_owned(), id)
            .is_some()
        {
            return Err(LoadError::Invalid(format!(
                "authorisation {} listed twice",
                a.number
            )));
        }
        if let Some(t) = &a.ticket {
            self.by_ticket.insert(t.as_str().to_owned(), id);
        }
        self.list.push(a);
        self.used_total.push(0);
        Ok(id)
    }

    /// Adds a beneficiary of authorisation `auth` with the authorised hours
    /// and the hours already used, both in hundredths.
    pub fn add_worker(
        &mut self,
        auth: u32,
        cf: &CodiceFiscale,
        authorised_centi: u64,
        used_centi: u64,
    ) -> Result<(), LoadError> {
        let key = cf16(cf)
            .ok_or_else(|| LoadError::Invalid(format!("{cf} is not a person's codice fiscale")))?;
        self.add_worker_key(auth, key, authorised_centi, used_centi)
    }

    fn add_worker_key(
        &mut self,
        auth: u32,
        key: Cf16,
        authorised: u64,
        used: u64,
    ) -> Result<(), LoadError> {
        let too_big = |_| LoadError::Invalid("hours too large".into());
        let authorised = u32::try_from(authorised).map_err(too_big)?;
        let used = u32::try_from(used).map_err(too_big)?;
        let next_idx = self.heads.len() as u32;
        let w = *self.workers.entry(key).or_insert(next_idx);
        if w == next_idx {
            self.heads.push(NONE);
        }
        let mut g = self.heads[w as usize];
        while g != NONE {
            if self.grants[g as usize].auth == auth {
                return Err(LoadError::Invalid(format!(
                    "worker {} listed twice in authorisation {}",
                    String::from_utf8_lossy(&key),
                    self.list[auth as usize].number
                )));
            }
            g = self.grants[g as usize].next;
        }
        self.grants.push(Grant {
            auth,
            authorised,
            used,
            next: self.heads[w as usize],
        });
        self.heads[w as usize] = (self.grants.len() - 1) as u32;
        self.used_total[auth as usize] += u64::from(used);
        Ok(())
    }

    /// Records that `cf` already has an accepted record for the month and
    /// classification (qualifica 1, 2, 3).
    pub fn add_accepted_record(
        &mut self,
        cf: &CodiceFiscale,
        month: &str,
        quals: &str,
    ) -> Result<(), LoadError> {
        let cf = cf16(cf).ok_or_else(|| LoadError::Invalid(format!("{cf} is not a person")))?;
        let month = parse_month(month)
            .ok_or_else(|| LoadError::Invalid(format!("month '{month}' is not YYYY-MM")))?;
        let quals: [u8; 3] = quals.as_bytes().try_into().map_err(|_| {
            LoadError::Invalid(format!("qualifiche '{quals}' must be 3 characters"))
        })?;
        self.accepted.push(AcceptedRecord { cf, month, quals });
        Ok(())
    }

    pub fn list(&self) -> &[Authorisation] {
        &self.list
    }
    pub fn get(&self, id: u32) -> &Authorisation {
        &self.list[id as usize]
    }
    pub fn len(&self) -> usize {
        self.list.len()
    }
    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }
    pub fn worker_count(&self) -> usize {
        self.heads.len()
    }
    pub fn by_number(&self, n: &str) -> Option<u32> {
        self.by_number.get(n).copied()
    }
    pub fn by_ticket(&self, t: &str) -> Option<u32> {
        self.by_ticket.get(t).copied()
    }
    pub(crate) fn worker(&self, cf: &Cf16) -> Option<u32> {
        self.workers.get(cf).copied()
    }
    /// The grant of worker `w` in authorisation `auth`.
    pub(crate) fn grant(&self, w: u32, auth: u32) -> Option<(u32, Grant)> {
        let mut g = self.heads[w as usize];
        while g != NONE {
            let grant = self.grants[g as usize];
            if grant.auth == auth {
                return Some((g, grant));
            }
            g = grant.next;
        }
        None
    }
    pub(crate) fn grant_count(&self) -> usize {
        self.grants.len()
    }
    pub(crate) fn used_total(&self, auth: u32) -> u64 {
        self.used_total[auth as usize]
    }
    pub(crate) fn accepted(&self) -> &[AcceptedRecord] {
        &self.accepted
    }

    /// Streams a JSON authorisations file (format in the module docs).
    pub fn from_json_reader<R: Read>(r: R) -> Result<Self, LoadError> {
        Self::from_json(serde_json::Deserializer::from_reader(r))
    }

    /// Reads JSON authorisations held in memory.
    pub fn from_json_slice(bytes: &[u8]) -> Result<Self, LoadError> {
        Self::from_json(serde_json::Deserializer::from_slice(bytes))
    }

    fn from_json<'de, R: serde_json::de::Read<'de>>(
        mut de: serde_json::Deserializer<R>,
    ) -> Result<Self, LoadError> {
        let mut a = Authorisations::new();
        let err = RootSeed(&mut a).deserialize(&mut de).err();
        if let Some(e) = err {
            if let Some(msg) = e.to_string().strip_prefix("INVALID:") {
                return Err(LoadError::Invalid(msg.to_owned()));
            }
            return Err(e.into());
        }
        de.end()?;
        Ok(a)
    }

    /// Reads a JSON file. It is read whole first: parsing from memory takes
    /// a third less time than from a stream, and the bytes (≈ 30 B per
    /// beneficiary) are freed before any flow is read.
    pub fn from_json_file(path: &std::path::Path) -> Result<Self, LoadError> {
        let bytes = std::fs::read(path)
            .map_err(|e| LoadError::Invalid(format!("cannot open {}: {e}", path.display())))?;
        Self::from_json_slice(&bytes)
    }
}

fn invalid<E: serde::de::Error>(e: impl fmt::Display) -> E {
    E::custom(format!("INVALID:{e}"))
}

/// Hours as a JSON string or number.
struct Hours(u64);

impl<'de> Deserialize<'de> for Hours {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Hours;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("hours as a decimal string or number, at most 2 decimals")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Hours, E> {
                parse_centi(v)
                    .map(Hours)
                    .ok_or_else(|| E::custom(format!("'{v}' is not hours with at most 2 decimals")))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Hours, E> {
                v.checked_mul(100)
                    .map(Hours)
                    .ok_or_else(|| E::custom("hours too large"))
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Hours, E> {
                self.visit_str(&format!("{v}"))
            }
        }
        d.deserialize_any(V)
    }
}

struct RootSeed<'a>(&'a mut Authorisations);

impl<'de> DeserializeSeed<'de> for RootSeed<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for RootSeed<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object with \"authorisations\"")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "authorisations" => map.next_value_seed(ListSeed(&mut *self.0))?,
                "accepted_records" => {
                    #[derive(Deserialize)]
                    #[serde(deny_unknown_fields)]
                    struct Acc {
                        cf: CodiceFiscale,
                        month: String,
                        qualifiche: String,
                    }
                    for a in map.next_value::<Vec<Acc>>()? {
                        self.0
                            .add_accepted_record(&a.cf, &a.month, &a.qualifiche)
                            .map_err(invalid)?;
                    }
                }
                other => {
                    return Err(A::Error::unknown_field(
                        other,
                        &["authorisations", "accepted_records"],
                    ));
                }
            }
        }
        Ok(())
    }
}

struct ListSeed<'a>(&'a mut Authorisations);

impl<'de> DeserializeSeed<'de> for ListSeed<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for ListSeed<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list of authorisations")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq.next_element_seed(AuthSeed(&mut *self.0))?.is_some() {}
        Ok(())
    }
}

struct AuthSeed<'a>(&'a mut Authorisations);

impl<'de> DeserializeSeed<'de> for AuthSeed<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for AuthSeed<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an authorisation object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let a = self.0;
        let id = a.list.len() as u32;
        let mut number: Option<AuthorisationNumber> = None;
        let mut ticket: Option<Ticket> = None;
        let mut employer: Option<CodiceFiscale> = None;
        let mut benefit: Option<Benefit> = None;
        let mut period: Option<Period> = None;
        let mut on: Option<NaiveDate> = None;
        let mut total: Option<u64> = None;
        let mut payment: Option<PaymentRoute> = None;
        let mut workers: Vec<(Cf16, u64)> = Vec::new();
        let mut used: Vec<(Cf16, u64)> = Vec::new();
        // Workers go straight into the index (they are the bulk); the
        // authorisation itself is pushed at the end of the object, with the
        // index reserved now.
        let mut pending_workers = false;
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "number" => number = Some(map.next_value()?),
                "ticket" => ticket = map.next_value()?,
                "employer_cf" => employer = Some(map.next_value()?),
                "benefit" => benefit = Some(map.next_value()?),
                "period" => period = Some(map.next_value()?),
                "authorised_on" => on = Some(map.next_value()?),
                "total_hours" => total = map.next_value::<Option<Hours>>()?.map(|h| h.0),
                "payment" => payment = map.next_value()?,
                "workers" => {
                    map.next_value_seed(WorkersSeed(&mut workers))?;
                    pending_workers = true;
                }
                "used" => map.next_value_seed(WorkersSeed(&mut used))?,
                other => {
                    return Err(A::Error::unknown_field(
                        other,
                        &[
                            "number",
                            "ticket",
                            "employer_cf",
                            "benefit",
                            "period",
                            "authorised_on",
                            "total_hours",
                            "payment",
                            "workers",
                            "used",
                        ],
                    ));
                }
            }
        }
        let auth = Authorisation {
            number: number.ok_or_else(|| A::Error::missing_field("number"))?,
            ticket,
            employer_cf: employer.ok_or_else(|| A::Error::missing_field("employer_cf"))?,
            benefit: benefit.ok_or_else(|| A::Error::missing_field("benefit"))?,
            period: period.ok_or_else(|| A::Error::missing_field("period"))?,
            authorised_on: on.ok_or_else(|| A::Error::missing_field("authorised_on"))?,
            total_centi: total,
            payment: payment.unwrap_or_default(),
        };
        let got = a.add(auth).map_err(invalid)?;
        debug_assert_eq!(got, id);
        if pending_workers {
            a.reserve_workers(workers.len());
        }
        for (cf, h) in workers {
            a.add_worker_key(id, cf, h, 0).map_err(invalid)?;
        }
        for (cf, h) in used {
            let w = a.worker(&cf).ok_or_else(|| {
                invalid::<A::Error>(format!(
                    "used hours for {} who is not a beneficiary",
                    String::from_utf8_lossy(&cf)
                ))
            })?;
            let (g, _) = a.grant(w, id).ok_or_else(|| {
                invalid::<A::Error>(format!(
                    "used hours for {} who is not a beneficiary",
                    String::from_utf8_lossy(&cf)
                ))
            })?;
            let h32 = u32::try_from(h).map_err(|_| invalid::<A::Error>("hours too large"))?;
            a.grants[g as usize].used = h32;
            a.used_total[id as usize] += h;
        }
        Ok(())
    }
}

/// `{"CF": hours, …}` into a compact list.
struct WorkersSeed<'a>(&'a mut Vec<(Cf16, u64)>);

impl<'de> DeserializeSeed<'de> for WorkersSeed<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for WorkersSeed<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object codice fiscale → hours")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        if let Some(n) = map.size_hint() {
            self.0.reserve(n);
        }
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            let cf = CodiceFiscale::parse(&key)
                .map_err(|e| invalid::<A::Error>(format!("worker '{key}': {e}")))?;
            let k = cf16(&cf).ok_or_else(|| {
                invalid::<A::Error>(format!("worker '{key}' is not a person's codice fiscale"))
            })?;
            let h: Hours = map.next_value()?;
            self.0.push((k, h.0));
        }
        Ok(())
    }
}
