-- 002_calendar.sql - the working calendar (domain.md §4, docs/domain.md "Working calendar").
--
-- calendar_day holds the announced public-sector schedule: one row per day that the
-- announcements decide (Tết days, the second Quốc khánh day, swaps, worked Saturdays,
-- compensatory and local days off). Days without a row follow the rules built into the
-- server (BLLĐ 2019 Art. 111(3), 112), so the table is data, not the whole calendar.
-- An administrator adds a year by inserting rows (source = 'admin'); the server rebuilds
-- its calendar from the rules plus this table.

CREATE TABLE calendar_day (
    day date PRIMARY KEY,
    working boolean NOT NULL,             -- true: a worked Saturday (làm bù); false: a day off
    reason text NOT NULL CHECK (reason IN ('new_year', 'tet', 'hung_kings', 'reunification',
        'labour', 'national_day', 'national_day_2', 'compensatory', 'swap_off',
        'makeup_saturday', 'local', 'announced')),  -- wcal_reason_key() of server/domain/wcal.c
    note text NOT NULL DEFAULT '',        -- Vietnamese, e.g. the notice number
    source text NOT NULL DEFAULT 'announced',
    updated_at timestamptz DEFAULT now()
);

-- Per-province weekly schedules with effective dates (domain.md §4.5); no row = the
-- default 07:00-11:30, 13:30-17:00. sessions: [{"start":"07:00","end":"11:30"}, ...].
CREATE TABLE calendar_schedule (
    province text NOT NULL,
    from_day date NOT NULL,
    sessions jsonb NOT NULL CHECK (jsonb_typeof(sessions) = 'array'
                                   AND jsonb_array_length(sessions) BETWEEN 1 AND 4),
    PRIMARY KEY (province, from_day)
);

-- The data file's second column is the word off or work (readable for people editing
-- it); COPY cannot read that as a boolean, so it goes through a staging table.
CREATE TEMPORARY TABLE calendar_day_load (
    day date,
    kind text,
    reason text,
    note text
);

-- motcua:copy calendar_day_load(day, kind, reason, note) FROM calendar_vn.tsv

INSERT INTO calendar_day (day, working, reason, note, source)
SELECT day, kind = 'work', reason, coalesce(note, ''), 'announced'
  FROM calendar_day_load
 WHERE kind IN ('off', 'work');

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM calendar_day_load WHERE kind NOT IN ('off', 'work')) THEN
        RAISE EXCEPTION 'calendar_vn.tsv: second column must be off or work';
    END IF;
END
$$;

DROP TABLE calendar_day_load;
