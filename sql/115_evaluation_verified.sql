-- 115_evaluation_verified.sql - the verified score of a unit's evaluations for a period
-- (điểm thẩm định; shared/domain.md §12.1 "A supervisor may add a verified score beside the
-- computed one"; domain-sources.md E2: the provincial system keeps self and verified
-- scores). Beside the computed total /18 of GET /api/v1/stats/evaluations, never replacing
-- it. Append-only: a later score for the same unit and period supersedes the earlier one in
-- the summary, both are kept, and the summary as of an instant reads the one recorded by then.
-- The API is server/api/report/report_verified.c.
CREATE TABLE evaluation_verified (
    id           bigserial PRIMARY KEY,
    unit_id      bigint NOT NULL REFERENCES unit(id),
    period_from  date NOT NULL,
    period_to    date NOT NULL CHECK (period_to >= period_from),
    total        numeric(4, 2) NOT NULL CHECK (total >= 0 AND total <= 18),
    note         text,
    account_id   bigint REFERENCES account(id),
    recorded_at  timestamptz NOT NULL
);
CREATE INDEX evaluation_verified_key ON evaluation_verified (unit_id, period_from, period_to, id DESC);
