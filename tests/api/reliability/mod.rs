//! SPEC §0, §9 and §10's promises under failure: dependencies going away, the
//! process dying or being stopped, floods, hostile callers. Each test is bounded in
//! time; none touches the shared services in a way other tests could notice.

mod authz_matrix;
mod broker_outage;
mod crash;
mod database_outage;
mod hostile_input;
mod overload;
mod schemathesis;
mod shutdown;
