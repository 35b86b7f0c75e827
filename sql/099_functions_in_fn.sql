-- 099_functions_in_fn.sql - the SQL functions move to sql/fn/*.sql (issue 13, item 3).
--
-- Until 098 every function lived in the numbered migration that introduced it, and a change
-- restated it whole in a later one (report_units and report_figures_asof three times,
-- report_figures' 145 lines twice for a one-line change): which body was live depended on
-- the file that ran last. From here each function is defined once, in a file of sql/fn/ (one per family), and
-- `motcua migrate` applies those files after the numbered migrations, again whenever one
-- changes (schema_functions holds the checksum each was applied with; sql/fn/README).
--
-- The definitions were removed from the migrations below (a trigger function that was never
-- redefined, and catalog_fold of a generated column, stay where they were: the schema needs
-- them while the migrations run; alert_outbox_enqueue, redefined in 098, left a stub in 063,
-- and 020 seeds report_seal itself instead of calling report_rebuild()). A database that
-- applied them before keeps its recorded checksums, accepted through these lines (computed
-- as server/db/migrate.c does, over each file as it was at commit f520759):
-- motcua:supersedes 011_dossier.sql ce71aa546ffdb6728dabc8777a3b5ecf57962daf68bc6d2e944089618938b6fa
-- motcua:supersedes 020_report.sql b8d8d7fa05a88d2cc4d08d4cd5493da059ecdd6f71785c787509111e73ba4416
-- motcua:supersedes 021_report_lists.sql 11c4cf2deabd8e8c1442a9babc2a160c63074b67cb504dcacfa6b1487b36b509
-- motcua:supersedes 022_alerts.sql 9c96d2c286224f2349e039c65c027665bf3931ea696e5be0cf068e74ee30b71d
-- motcua:supersedes 040_security.sql 9588ffcd21a09a5a611bed23ed1055f3ed5ce8b758c5c1eb2bbf5c2bad496d9d
-- motcua:supersedes 061_report_open_now.sql 23fbaedb035f89ab1e1bcd2be1d78767e91ab82a1290e6a3f06713ca3f5ce500
-- motcua:supersedes 062_report_units_current.sql 4dae8c3a8d3274de6adcaf8f9a8fd6bda34cabdf61ffae085c1e4f305dd804ed
-- motcua:supersedes 063_alert_webhooks.sql 0e9a0c79fdf9ce88c54ca40bd8d4b016a0c3b146a9528b8038ca149d8dddaae9
-- motcua:supersedes 064_report_rollup.sql aae1f75f3f28175734c04679976d8f6e26d4248a05a7cff8fa143112834a4d14
-- motcua:supersedes 065_report_asof.sql f6d9017a203833f6b885a51b705600ce1bc874567b08b2ff32be71977d91af73
-- motcua:supersedes 085_scope_successors.sql e333fb7e5d9980231c2785e360c7c513da141e7abada41de2e0bd0547714be12
-- motcua:supersedes 090_webhook_dvcqg_format.sql 745f3466bb9ea89ecd1290f7976b88f00ef3a997dd82d1202907183ec1c6afca
-- motcua:supersedes 095_report_late_asof.sql 5c98326465047560a8421d4443b1986d81eed60529e8737604e1a17f7353721e
-- motcua:supersedes 098_alert_calendar_horizon.sql 0e0650624fc2d0e2d6887e6edef193d58be7197b882ac121cf1d5f3070430e32
--
-- A database at 098 already has every function with the body sql/fn/ holds (tests/cli/
-- test_fn_upgrade.sh compares them); applying the files there replaces each with itself.

COMMENT ON TABLE schema_functions IS
    'motcua: applied function files sql/fn/*.sql (name, SHA-256 of the file, applied_at); '
    're-applied when the file changes';
