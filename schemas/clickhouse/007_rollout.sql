-- The operator loop's own state (issue 10): each service's profiling rollout stage, and the fix candidates that
-- reports named, so later versions can be checked against them (the optimization-yield KPI).

-- A service's rollout stage (lab, canary, segment, core, deep). `frozen` = a promotion gate failed: the stage may
-- not be raised until the gates pass again, and the service's sampling was lowered at that moment
-- (`sample_one_in_before` keeps what it was, so an operator can restore it). The latest row per service wins.
CREATE TABLE IF NOT EXISTS rollout_stages
(
    tenant               LowCardinality(String),
    service              String,
    stage                LowCardinality(String),
    frozen               UInt8,
    frozen_reason        String,
    sample_one_in_before Nullable(UInt32),
    updated_at           DateTime64(3)
)
ENGINE = ReplacingMergeTree(updated_at)
ORDER BY (tenant, service);

-- Fix candidates as a report named them: the function's self share in the version the report looked at. A later
-- report of the same version replaces the row (latest reported_at wins).
CREATE TABLE IF NOT EXISTS fix_candidates
(
    tenant       LowCardinality(String),
    service      String,
    profile_type LowCardinality(String),
    version      String,
    function     String,
    self_share   Float64,
    reported_at  DateTime64(3)
)
ENGINE = ReplacingMergeTree(reported_at)
ORDER BY (tenant, service, profile_type, version, function);
