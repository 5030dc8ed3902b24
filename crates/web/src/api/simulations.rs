//! `POST /api/v1/simulations`: the rules engine as a calculator (issue 3).
//!
//! A pure function of the body and of the reference data in force on the
//! request's submission date (kept in memory, see `omnia_services::reference`):
//! no authentication, nothing read from or written to the database. The same
//! verdict as `omnia simulate FILE`.

use axum::Json;
use axum::extract::State;
use omnia_domain::simulation::{self, SimulationError, SimulationInput, SimulationOutput};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::ApiJson;
use crate::AppState;
use crate::error::{ApiError, FieldProblem, Problem};

/// Simulate an application: benefit suggestion, filing deadline, worker
/// eligibility, every limit with used / limit / residual and the one that
/// binds, the maximum authorisable, amounts and the additional contribution,
/// each finding with the rule ID (`docs/rules.md`) that produced it.
///
/// A pure calculation on the described situation (employer, productive unit
/// and its history, proposed request) with the reference data in force on
/// `request.submission_date` (`GET /reference-versions` lists the versions):
/// nothing is stored and no authentication is needed. JSON syntax errors
/// give 400; any other bad input (wrong type, unknown field, impossible date,
/// period ending before it starts, unknown causale, negative hours, invalid
/// codice fiscale…) gives 422 whose `errors[0].pointer` names the field.
#[utoipa::path(post, path = "/api/v1/simulations", tag = "simulations",
    operation_id = "createSimulation",
    request_body(
        description = "Datore di lavoro, unità produttiva con il suo storico e domanda proposta \
                       (`docs/rules.md`; esempi in `docs/rules/examples/`)",
        content = SimulationInput, example = example_input),
    responses(
        (status = 200, description = "Esito della simulazione (nulla viene memorizzato)",
            body = SimulationOutput, example = example_output),
        (status = 400, description = "Corpo della richiesta non valido (sintassi JSON)",
            body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Dati non validi: `errors[0].pointer` indica il campo",
            body = Problem, content_type = "application/problem+json")))]
async fn create_simulation(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<serde_json::Value>,
) -> Result<Json<SimulationOutput>, ApiError> {
    let input = simulation::parse_value(body).map_err(invalid)?;
    // The version in force on the submission date (R-AMT-2): an `Arc` clone from the
    // in-memory versions, no database query.
    let reference = state
        .services
        .reference_in_force(input.request.submission_date);
    // ~0.3 ms for a long history (benches/counters.rs): cheap enough to run
    // on the async worker without spawn_blocking.
    let output = simulation::simulate(&input, &reference).map_err(invalid)?;
    Ok(Json(output))
}

/// Request example of the OpenAPI document: a worked example (R-APP-4, late filing).
fn example_input() -> serde_json::Value {
    serde_json::from_str(include_str!(
        "../../../../docs/rules/examples/cigo-late-filing.input.json"
    ))
    .unwrap_or_default()
}

/// Its verdict, as checked by the examples tests.
fn example_output() -> serde_json::Value {
    serde_json::from_str(include_str!(
        "../../../../docs/rules/examples/cigo-late-filing.expected.json"
    ))
    .unwrap_or_default()
}

/// A bad input as a `/problems/validation` problem naming the field.
fn invalid(e: SimulationError) -> ApiError {
    ApiError::Validation(vec![FieldProblem {
        pointer: e.pointer,
        code: "invalid_simulation_input".into(),
        detail: e.message,
    }])
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(create_simulation))
}
