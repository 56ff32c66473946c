-- Ingest ids of profiles already stored: how a client retry (a Push with the same sample IDs, an /ingest request
-- with the same body, name and time range) is counted once even when it reaches another gateway, or arrives after
-- the first attempt was stored. The aggregator looks ids up before merging a profile and records them in the same
-- flush as the samples (after them, with the batch's dedup token). An id only matters inside its window:
-- `expires_at` bounds the lookup, the TTL drops old rows.
CREATE TABLE IF NOT EXISTS ingest_ids
(
    tenant     LowCardinality(String),
    ingest_id  String,
    expires_at DateTime
)
ENGINE = ReplacingMergeTree(expires_at)
ORDER BY (ingest_id)
TTL expires_at + INTERVAL 1 HOUR
SETTINGS non_replicated_deduplication_window = 10000;
