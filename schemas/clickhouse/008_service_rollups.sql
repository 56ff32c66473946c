-- Hotpath storage, version 8: per-service (and per-version) rollups (ARCHITECTURE.md §3).
--
-- The most common stacks query names one service and nothing else (`{service_name="checkout"}`: its flame graph,
-- its top functions, its diff). samples_1m answers it by summing every pod's rows: a 200-pod service holds ~170 M
-- rows a day there, 1.2–1.5 s of GROUP BY on two cores however the query is written (BENCHMARKS.md). These tables
-- hold the same samples summed over the service's series (no fingerprint in the key): one row per (service,
-- bucket, stack), ~30× fewer for that service. services/query/service-rollup.ts reads them when the selector is
-- the service alone, or the service and its `version` (canary vs baseline, v1 vs v2), and samples_1m / samples_1h
-- otherwise. The version is in the key, so a service's versions stay apart and a service-only query sums them.
--
-- Fed from samples_raw, like the other rollups, so every tier sums to the same totals. The views GROUP BY within
-- each insert block: the pods of a service share most stacks, so a block's rows shrink many times over before
-- they are written. Not downsampled (lib/store/compaction.ts folds the per-series tiers only): a service's stacks
-- per bucket are at most the distinct stacks its series have there, and these rows are the exact sums.

-- The series' `version` label on every raw row (the aggregator's batch; '' without one, as a matcher reads an absent
-- label): a series' labels are not in samples_raw otherwise, and the views see only what an insert carries. It is
-- the same for every row of a series, so it adds nothing to the key.
ALTER TABLE samples_raw
    ADD COLUMN IF NOT EXISTS version LowCardinality(String);

CREATE TABLE IF NOT EXISTS service_samples_1m
(
    tenant       LowCardinality(String),
    profile_type LowCardinality(String),
    service      LowCardinality(String),
    version      LowCardinality(String),
    bucket       DateTime,
    stack_id     UInt64,
    retention    LowCardinality(String),
    value        Int64,
    inserted_at  SimpleAggregateFunction(max, DateTime) DEFAULT now() CODEC(Delta, ZSTD(1))
)
ENGINE = SummingMergeTree(value)
PARTITION BY (retention, toDate(bucket))
ORDER BY (tenant, profile_type, service, bucket, version, stack_id)
SETTINGS non_replicated_deduplication_window = 10000, ttl_only_drop_parts = 1;

CREATE TABLE IF NOT EXISTS service_samples_1h
(
    tenant       LowCardinality(String),
    profile_type LowCardinality(String),
    service      LowCardinality(String),
    version      LowCardinality(String),
    bucket       DateTime,
    stack_id     UInt64,
    retention    LowCardinality(String),
    value        Int64,
    inserted_at  SimpleAggregateFunction(max, DateTime) DEFAULT now() CODEC(Delta, ZSTD(1))
)
ENGINE = SummingMergeTree(value)
PARTITION BY (retention, toDate(bucket))
ORDER BY (tenant, profile_type, service, bucket, version, stack_id)
SETTINGS non_replicated_deduplication_window = 10000, ttl_only_drop_parts = 1;

-- Default bucket sizes; a configured size replaces the query (lib/store/tiers-ddl.ts).
CREATE MATERIALIZED VIEW IF NOT EXISTS service_samples_1m_mv TO service_samples_1m AS
SELECT tenant, profile_type, service, version, toDateTime(intDiv(toUInt32(bucket), 60) * 60) AS bucket, stack_id, retention, sum(value) AS value, max(inserted_at) AS inserted_at
FROM samples_raw
GROUP BY tenant, profile_type, service, version, bucket, stack_id, retention;

CREATE MATERIALIZED VIEW IF NOT EXISTS service_samples_1h_mv TO service_samples_1h AS
SELECT tenant, profile_type, service, version, toDateTime(intDiv(toUInt32(bucket), 3600) * 3600) AS bucket, stack_id, retention, sum(value) AS value, max(inserted_at) AS inserted_at
FROM samples_raw
GROUP BY tenant, profile_type, service, version, bucket, stack_id, retention;

-- From which bucket on the per-service tables hold everything. Samples written before the views existed are not
-- in them, so the store records, once, when the views started (lib/store/service-rollup-start.ts): the epoch on a
-- store that held no samples yet, otherwise a time after every sample already stored. Earlier ranges are read
-- from the per-series tiers.
CREATE TABLE IF NOT EXISTS service_rollup_start
(
    since       DateTime,
    recorded_at DateTime DEFAULT now()
)
ENGINE = MergeTree
ORDER BY recorded_at;
