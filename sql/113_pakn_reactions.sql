-- 113_pakn_reactions.sql - likes and dislikes of a published answer to a phản ánh, kiến nghị
-- (issue 16; shared/domain.md §12.2 "Then likes/dislikes", §12.2 766 5.3: a PAKN whose
-- dislikes outnumber its likes is not "hài lòng"). The API is server/api/voice/reaction.c.
--
-- Two populations, never mixed up and never overwriting each other:
--   pakn_reaction       the public's reactions on motcua's own public page, one standing per
--                       voter and PAKN: a voter who changes their mind appends a row, the
--                       latest counts;
--   pakn_portal_count   the national portal's counts as its adapter reported them (kept as
--                       the portal says, domain.md §12.3), the latest report counts.
-- Both are append-only, so the figures can be told as of any instant. The voter is
-- sha256(the PAKN's reaction_salt || the client's address): one standing per address and
-- PAKN, not linkable across PAKN, and no address stored. A PAKN's likes and dislikes add
-- both populations.
--
-- Owner: the voice engineer (server/api/voice/).
ALTER TABLE pakn ADD COLUMN reaction_salt uuid NOT NULL DEFAULT gen_random_uuid();

CREATE TABLE pakn_reaction (
    id          bigserial PRIMARY KEY,
    pakn_id     bigint NOT NULL REFERENCES pakn(id),
    voter       bytea NOT NULL,
    liked       boolean NOT NULL,
    reacted_at  timestamptz NOT NULL
);
CREATE INDEX pakn_reaction_voter ON pakn_reaction (pakn_id, voter, id DESC);

CREATE TABLE pakn_portal_count (
    id           bigserial PRIMARY KEY,
    pakn_id      bigint NOT NULL REFERENCES pakn(id),
    likes        int NOT NULL CHECK (likes >= 0),
    dislikes     int NOT NULL CHECK (dislikes >= 0),
    reported_at  timestamptz NOT NULL,
    account_id   bigint REFERENCES account(id)
);
CREATE INDEX pakn_portal_count_pakn ON pakn_portal_count (pakn_id, id DESC);
-- pakn_reactions_at(p, at), the likes and dislikes at an instant: sql/fn/60_voice.sql.
