-- API keys (api.md "Conventions"): a key belongs to one tenant and has scopes (ingest, query, admin). Only a salted
-- hash of the secret is stored; the plaintext is shown once, at creation. The latest row per id wins
-- (ReplacingMergeTree on updated_at): revoking writes the same key again with `revoked_at` set.
CREATE TABLE IF NOT EXISTS api_keys
(
    id          String,
    tenant      String,
    name        String,
    scopes      Array(LowCardinality(String)),
    salt        String,
    hash        String,
    created_at  DateTime64(3),
    revoked_at  Nullable(DateTime64(3)),
    updated_at  DateTime64(3)
)
ENGINE = ReplacingMergeTree(updated_at)
ORDER BY id;
