-- Service settings: one store of truth for the gateway (budgets, sampling), retention (tier) and reports (owner,
-- cost). The latest row per (tenant, service) wins (ReplacingMergeTree on updated_at; reads use FINAL / argMax).
CREATE TABLE IF NOT EXISTS service_settings
(
    tenant                     LowCardinality(String),
    service                    String,
    tier                       LowCardinality(String),
    owner                      String,
    cost_per_core_hour         Nullable(Float64),
    budget_bytes_per_second    Nullable(Float64),
    budget_profiles_per_second Nullable(Float64),
    budget_sample_one_in       Nullable(UInt32),
    updated_at                 DateTime64(3)
)
ENGINE = ReplacingMergeTree(updated_at)
ORDER BY (tenant, service);
