//! A running application on a random port with a fresh database (SQLite or
//! PostgreSQL, as `OMNIA_TEST_DATABASE_URL` says) loaded with the demo data.
#![allow(dead_code)]

use omnia_services::Services;
use omnia_store::testing::{TestDb, fresh_db};
use omnia_web::{AppState, WebConfig};
use serde_json::{Value, json};

pub const PASSWORD: &str = "Omnia2026!";

pub struct TestApp {
    pub base: String,
    pub client: reqwest::Client,
    pub services: Services,
    _db: TestDb,
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(WebConfig::default()).await
}

/// As [`spawn_app`], with this configuration (e.g. a small `flow_max_bytes`).
pub async fn spawn_app_with(config: WebConfig) -> TestApp {
    let db = fresh_db().await;
    let services = Services::new((*db).clone());
    omnia_services::demo::load(&services)
        .await
        .expect("demo data loads");
    let state = AppState::new(services.clone(), config, None);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(listener, omnia_web::app(state)).await.unwrap();
    });
    TestApp {
        base: format!("http://{addr}"),
        client: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap(),
        services,
        _db: db,
    }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Logs in through the API and returns the bearer token.
    pub async fn login(&self, username: &str) -> String {
        let r = self
            .client
            .post(self.url("/api/v1/sessions"))
            .json(&json!({"username": username, "password": PASSWORD}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201, "login of {username}");
        r.json::<Value>().await.unwrap()["token"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    pub async fn get(&self, token: &str, path: &str) -> (u16, Value) {
        let r = self
            .client
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    pub async fn post(&self, token: &str, path: &str, body: &Value) -> (u16, Value) {
        let r = self
            .client
            .post(self.url(path))
            .bearer_auth(token)
            .json(body)
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    /// The employer a user may act for whose name contains `name`.
    pub async fn employer_named(&self, token: &str, name: &str) -> Value {
        let (status, list) = self.get(token, "/api/v1/employers").await;
        assert_eq!(status, 200);
        let id = list["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["name"].as_str().unwrap().contains(name))
            .unwrap_or_else(|| panic!("no employer named {name} in {list}"))["id"]
            .as_i64()
            .unwrap();
        let (status, detail) = self.get(token, &format!("/api/v1/employers/{id}")).await;
        assert_eq!(status, 200);
        detail
    }

    /// A valid CIGO application body for the first UP of `employer` and its first
    /// two workers who are not dirigenti.
    pub fn cigo_application(employer: &Value) -> Value {
        let unit = &employer["units"][0];
        let workers: Vec<Value> = employer["workers"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|w| w["unit_id"] == unit["id"] && w["qualifica"] != "dirigente")
            .take(2)
            .map(|w| json!({"cf": w["cf"], "hours": 40}))
            .collect();
        assert_eq!(workers.len(), 2, "the demo UP has workers");
        json!({
            "unit_id": unit["id"],
            "benefit": "cigo",
            "causale": "MLC",
            "kind": "sospensione",
            "start": "2026-12-07",
            "end": "2026-12-18",
            "workers": workers,
        })
    }

    /// Creates a draft for `employer` as `token`; returns the application.
    pub async fn create_draft(&self, token: &str, employer: &Value) -> Value {
        let id = employer["id"].as_i64().unwrap();
        let (status, body) = self
            .post(
                token,
                &format!("/api/v1/employers/{id}/applications"),
                &Self::cigo_application(employer),
            )
            .await;
        assert_eq!(status, 201, "draft created: {body}");
        body
    }

    /// Creates a CIGO draft ([`TestApp::create_draft`]) and submits it; its id.
    pub async fn submit_new_application(&self, token: &str, employer: &Value) -> String {
        let draft = self.create_draft(token, employer).await;
        let id = draft["id"].as_str().unwrap().to_owned();
        let (status, body) = self
            .post(
                token,
                &format!("/api/v1/applications/{id}/submission"),
                &json!({}),
            )
            .await;
        assert_eq!(status, 200, "submitted: {body}");
        id
    }

    /// Creates a draft with a benefit and causale that the employer's
    /// classification accepts (the studio is in a solidarity fund).
    pub async fn create_draft_for_any_benefit(&self, token: &str, employer: &Value) -> Value {
        let id = employer["id"].as_i64().unwrap();
        let mut body = Self::cigo_application(employer);
        body["benefit"] = json!("ais_fondo");
        let (status, created) = self
            .post(
                token,
                &format!("/api/v1/employers/{id}/applications"),
                &body,
            )
            .await;
        assert_eq!(status, 201, "draft created: {created}");
        created
    }
}
