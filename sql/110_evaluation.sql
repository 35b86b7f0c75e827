-- 110_evaluation.sql - the applicant's evaluation of a dossier's handling (issue 16;
-- shared/domain.md §12.1; docs/domain.md "The citizen's voice"; the rules in
-- server/domain/sat.c, the API in server/api/voice/evaluation.c).
--
-- One evaluation per dossier: version 1, and further versions only while the amendment
-- policy allows (evaluation_amend_hours; a new version never overwrites the old one).
-- The applicant's answers and motcua's computed indicator values stand side by side, nine
-- each (smallint 2 / 1 / 0, NULL = not answered / not computable). Attribution: the
-- receiving and resolving units and the reception and return clerks as they were when the
-- evaluation was made. Nothing of it goes to the logs; only supervisors, leaders and
-- administrators read the text (docs/security.md).
--
-- Owner: the voice engineer (server/api/voice/).
CREATE TABLE evaluation (
    id                   bigserial PRIMARY KEY,
    dossier_id           bigint NOT NULL REFERENCES dossier(id),
    version              int NOT NULL CHECK (version >= 1),
    rating               smallint NOT NULL CHECK (rating BETWEEN 1 AND 3),
                         -- 1 Rất hài lòng, 2 Hài lòng, 3 Không hài lòng (enum sat_rating)
    reason               text,
    answers              smallint[] NOT NULL,
    computed             smallint[] NOT NULL,
    channel              text NOT NULL
                         CHECK (channel IN ('kiosk', 'dvcqg', 'portal', 'paper', 'sms_link',
                                            'hotline')),
    evaluator_name       text,          -- who filed or collected, when not the applicant
    entered_by           bigint REFERENCES account(id), -- the clerk or client that keyed it
    receiving_unit_id    bigint NOT NULL REFERENCES unit(id),
    resolving_unit_id    bigint NOT NULL REFERENCES unit(id),
    reception_account_id bigint REFERENCES account(id),
    return_account_id    bigint REFERENCES account(id),
    evaluated_at         timestamptz NOT NULL,  -- when the applicant evaluated (the request's
                                                -- instant, or the paper form's date)
    recorded_at          timestamptz NOT NULL DEFAULT now(),
    UNIQUE (dossier_id, version),
    CHECK (cardinality(answers) = 9 AND cardinality(computed) = 9)
);
CREATE INDEX evaluation_at ON evaluation (evaluated_at);
CREATE INDEX evaluation_resolving ON evaluation (resolving_unit_id, evaluated_at);
