SET statement_timeout = 0;
SET lock_timeout = 0;
SET idle_in_transaction_session_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SET check_function_bodies = false;
SET xmloption = content;
SET client_min_messages = warning;
SET row_security = off;
SET default_tablespace = '';
SET default_table_access_method = heap;
CREATE TABLE classrooms (
    id integer NOT NULL,
    code character varying(6) NOT NULL,
    name character varying(120) NOT NULL,
    instructor_id integer NOT NULL,
    scenario_ids json NOT NULL,
    mode character varying(16) NOT NULL,
    board character varying(16) NOT NULL,
    created_at timestamp with time zone NOT NULL,
    closed_at timestamp with time zone,
    frozen_at timestamp with time zone,
    frozen_board json,
    words_required boolean DEFAULT false NOT NULL
);
CREATE SEQUENCE classrooms_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;
ALTER SEQUENCE classrooms_id_seq OWNED BY classrooms.id;
CREATE TABLE instead_notes (
    id integer NOT NULL,
    run_id character varying(32) NOT NULL,
    step integer NOT NULL,
    text text NOT NULL,
    written_at timestamp with time zone NOT NULL
);
CREATE SEQUENCE instead_notes_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;
ALTER SEQUENCE instead_notes_id_seq OWNED BY instead_notes.id;
CREATE TABLE instructors (
    id integer NOT NULL,
    email character varying(254) NOT NULL,
    password_hash character varying(255) NOT NULL,
    created_at timestamp with time zone NOT NULL,
    login_epoch integer DEFAULT 0 NOT NULL
);
CREATE SEQUENCE instructors_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;
ALTER SEQUENCE instructors_id_seq OWNED BY instructors.id;
CREATE TABLE runs (
    id character varying(32) NOT NULL,
    owner character varying(64) NOT NULL,
    scenario_id character varying(100) NOT NULL,
    title character varying(200) NOT NULL,
    scenario_digest character varying(64) NOT NULL,
    scenario_source text NOT NULL,
    mode character varying(16) NOT NULL,
    state json NOT NULL,
    scene character varying(100) NOT NULL,
    steps integer NOT NULL,
    finished boolean NOT NULL,
    outcome character varying(16),
    ending character varying(100),
    started_at timestamp with time zone NOT NULL,
    finished_at timestamp with time zone,
    updated_at timestamp with time zone NOT NULL,
    score integer NOT NULL,
    ruptures_opened integer NOT NULL,
    ruptures_repaired integer NOT NULL,
    is_test boolean NOT NULL,
    parent_id character varying(32),
    branched_at integer,
    classroom_id integer,
    trainee_id integer,
    attempt integer,
    start_token character varying(40),
    reaction_rating integer,
    reaction_text text,
    reacted_at timestamp with time zone,
    version integer NOT NULL
);
CREATE TABLE steps (
    id integer NOT NULL,
    run_id character varying(32) NOT NULL,
    number integer NOT NULL,
    scene character varying(100) NOT NULL,
    choice integer NOT NULL,
    data json NOT NULL,
    created_at timestamp with time zone NOT NULL
);
CREATE SEQUENCE steps_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;
ALTER SEQUENCE steps_id_seq OWNED BY steps.id;
CREATE TABLE trainees (
    id integer NOT NULL,
    classroom_id integer NOT NULL,
    name character varying(40) NOT NULL,
    key character varying(160) NOT NULL,
    owner character varying(64) NOT NULL,
    joined_at timestamp with time zone NOT NULL
);
CREATE SEQUENCE trainees_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;
ALTER SEQUENCE trainees_id_seq OWNED BY trainees.id;
ALTER TABLE ONLY classrooms ALTER COLUMN id SET DEFAULT nextval('classrooms_id_seq'::regclass);
ALTER TABLE ONLY instead_notes ALTER COLUMN id SET DEFAULT nextval('instead_notes_id_seq'::regclass);
ALTER TABLE ONLY instructors ALTER COLUMN id SET DEFAULT nextval('instructors_id_seq'::regclass);
ALTER TABLE ONLY steps ALTER COLUMN id SET DEFAULT nextval('steps_id_seq'::regclass);
ALTER TABLE ONLY trainees ALTER COLUMN id SET DEFAULT nextval('trainees_id_seq'::regclass);
INSERT INTO classrooms VALUES (1, '3EHMCP', 'Counselling skills, week 4', 1, '["coat-still-on"]', 'practice', 'ranked', '2026-12-02 01:16:46.429009+00', NULL, NULL, NULL, false);
INSERT INTO instructors VALUES (1, 'ada@example.org', 'pbkdf2:sha256:1$I2mRtI7eW33eOOU2$fe9f147a32147e21c49dfb9b107d911e066d440e34811721fbf5d62ee283bc3f', '2026-12-02 01:16:46.360008+00', 0);
INSERT INTO runs VALUES ('lclPAPWc_2csRL7e3jKhPg', '1SOf5g9PpZGVl4qG3u2C6Q', 'coat-still-on', 'Coat Still On', 'f38bb9dee941756b728d4d847c9a40e7c74505dfbdda6889e044d6d9d73f859e', 'format: 1
id: coat-still-on                 # slug: a-z, 0-9 and ''-''; unique in the library
title: Coat Still On
summary: A first session with a client who did not choose to come.
difficulty: beginner              # beginner | intermediate | advanced
minutes: 8                        # estimated play time
tags: [first-session, withdrawal]
objectives:
  - Notice withdrawal markers (short answers, looking at the door).
  - Name the ambivalence without pushing.
client:
  name: Maya
  age: 29                         # optional
  pronouns: she/her               # optional
  concern: Low mood after a breakup; came because her sister insisted.
  background: |                   # optional, shown in the briefing
    Maya works night shifts at a hospital pharmacy.
meters:                           # optional starting values, 0..100; each defaults to 50
  trust: 35
start: arrival
scenes:
  arrival:
    cue: She keeps her coat on and glances at the door.   # optional narration / nonverbal cue
    client: "My sister thinks I need this. I''m not so sure."
    choices:
      - say: "It sounds like coming here wasn''t entirely your idea."
        skill: reflection                  # optional free tag (helping skill, MITI code)
        quality: strong                    # strong | adequate | weak | harmful (optional)
        effects: {attentiveness: 10, trust: 5}
        feedback: A reflection names the ambivalence without judging it.
        goto: ambivalence
      - say: "Your sister sounds like she really cares about you."
        quality: weak
        effects: {positivity: 5, attentiveness: -5}
        feedback: Warm, but it sides with the sister and skips Maya''s doubt.
        goto: ambivalence
      - say: "Well, you''re here now, so let''s get started on your goals."
        quality: harmful
        effects: {attentiveness: -10, trust: -10}
        feedback: Pushing on to goals ignores the withdrawal marker.
        rupture: withdrawal                # this choice opens a rupture
        goto: shutdown
  ambivalence:
    client: "I don''t know. Maybe. I just don''t see how talking fixes anything."
    choices:
      - say: "Part of you wonders whether this is worth your time."
        effects: {authenticity: 5, trust: 10}
        goto: good-end
      - say: "Talking helps most people, you''ll see."
        when: "positivity >= 50"           # offered only while this holds
        effects: {authenticity: -5}
        goto: good-end
  shutdown:
    moment: rupture                        # a key moment, flagged in play and debrief
    rupture: withdrawal                    # withdrawal | confrontation
    cue: Maya shrugs and looks at her phone.
    client: "Sure. Whatever you think."
    choices:
      - say: "I think I rushed ahead just now. Can we go back to how it felt to come in today?"
        repairs: true                      # addresses the open rupture
        effects: {authenticity: 10, trust: 10}
        feedback: Owning your part and inviting her back is metacommunication.
        goto: ambivalence
      - say: "Great. So, what would you like to work on?"
        effects: {trust: -10}
        goto: check
  check:
    next:                                  # no choices: the first rule that holds decides
      - when: "trust < 25"
        goto: walkout
      - goto: ambivalence
  good-end:
    ending: A first foothold                   # a scene with `ending` ends the run
    outcome: good                          # excellent | good | mixed | poor
    text: Maya takes her coat off before the session ends.
  walkout:
    ending: Maya leaves early
    outcome: poor
    text: She says she''ll think about booking another session. She does not.
rules:                                     # checked after every choice, in order
  - when: "trust <= 10"
    goto: walkout
', 'practice', '{"scene": "good-end", "meters": {"authenticity": 55, "attentiveness": 60, "positivity": 50, "trust": 50}, "trail": ["arrival", "ambivalence", "good-end"], "ruptures": [], "fired": [], "steps": 2, "hints": [], "finished": true, "outcome": "good", "seed": "faaaa9a12771d59e", "written": null}', 'good-end', 2, true, 'good', 'good-end', '2026-12-02 01:16:46.524341+00', '2026-12-02 01:16:46.618427+00', '2026-12-02 01:16:46.618427+00', 53, 0, 0, false, NULL, NULL, 1, 1, 1, NULL, NULL, NULL, NULL, 3);
INSERT INTO runs VALUES ('rZj5SpXhTpNKf55gDr7-vg', '860fYgjmPZbkrCV7W47PaQ', 'coat-still-on', 'Coat Still On', 'f38bb9dee941756b728d4d847c9a40e7c74505dfbdda6889e044d6d9d73f859e', 'format: 1
id: coat-still-on                 # slug: a-z, 0-9 and ''-''; unique in the library
title: Coat Still On
summary: A first session with a client who did not choose to come.
difficulty: beginner              # beginner | intermediate | advanced
minutes: 8                        # estimated play time
tags: [first-session, withdrawal]
objectives:
  - Notice withdrawal markers (short answers, looking at the door).
  - Name the ambivalence without pushing.
client:
  name: Maya
  age: 29                         # optional
  pronouns: she/her               # optional
  concern: Low mood after a breakup; came because her sister insisted.
  background: |                   # optional, shown in the briefing
    Maya works night shifts at a hospital pharmacy.
meters:                           # optional starting values, 0..100; each defaults to 50
  trust: 35
start: arrival
scenes:
  arrival:
    cue: She keeps her coat on and glances at the door.   # optional narration / nonverbal cue
    client: "My sister thinks I need this. I''m not so sure."
    choices:
      - say: "It sounds like coming here wasn''t entirely your idea."
        skill: reflection                  # optional free tag (helping skill, MITI code)
        quality: strong                    # strong | adequate | weak | harmful (optional)
        effects: {attentiveness: 10, trust: 5}
        feedback: A reflection names the ambivalence without judging it.
        goto: ambivalence
      - say: "Your sister sounds like she really cares about you."
        quality: weak
        effects: {positivity: 5, attentiveness: -5}
        feedback: Warm, but it sides with the sister and skips Maya''s doubt.
        goto: ambivalence
      - say: "Well, you''re here now, so let''s get started on your goals."
        quality: harmful
        effects: {attentiveness: -10, trust: -10}
        feedback: Pushing on to goals ignores the withdrawal marker.
        rupture: withdrawal                # this choice opens a rupture
        goto: shutdown
  ambivalence:
    client: "I don''t know. Maybe. I just don''t see how talking fixes anything."
    choices:
      - say: "Part of you wonders whether this is worth your time."
        effects: {authenticity: 5, trust: 10}
        goto: good-end
      - say: "Talking helps most people, you''ll see."
        when: "positivity >= 50"           # offered only while this holds
        effects: {authenticity: -5}
        goto: good-end
  shutdown:
    moment: rupture                        # a key moment, flagged in play and debrief
    rupture: withdrawal                    # withdrawal | confrontation
    cue: Maya shrugs and looks at her phone.
    client: "Sure. Whatever you think."
    choices:
      - say: "I think I rushed ahead just now. Can we go back to how it felt to come in today?"
        repairs: true                      # addresses the open rupture
        effects: {authenticity: 10, trust: 10}
        feedback: Owning your part and inviting her back is metacommunication.
        goto: ambivalence
      - say: "Great. So, what would you like to work on?"
        effects: {trust: -10}
        goto: check
  check:
    next:                                  # no choices: the first rule that holds decides
      - when: "trust < 25"
        goto: walkout
      - goto: ambivalence
  good-end:
    ending: A first foothold                   # a scene with `ending` ends the run
    outcome: good                          # excellent | good | mixed | poor
    text: Maya takes her coat off before the session ends.
  walkout:
    ending: Maya leaves early
    outcome: poor
    text: She says she''ll think about booking another session. She does not.
rules:                                     # checked after every choice, in order
  - when: "trust <= 10"
    goto: walkout
', 'practice', '{"scene": "shutdown", "meters": {"authenticity": 50, "attentiveness": 40, "positivity": 50, "trust": 25}, "trail": ["arrival", "shutdown"], "ruptures": [{"type": "withdrawal", "opened_at": "arrival", "repaired_at": null}], "fired": [], "steps": 1, "hints": [], "finished": false, "outcome": null, "seed": "92c80a2885d86d2a", "written": null}', 'shutdown', 1, false, NULL, NULL, '2026-12-02 01:16:46.638807+00', NULL, '2026-12-02 01:16:46.680787+00', 38, 1, 0, false, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 2);
INSERT INTO steps VALUES (1, 'lclPAPWc_2csRL7e3jKhPg', 1, 'arrival', 0, '{"number": 1, "scene": "arrival", "choice": 0, "say": "It sounds like coming here wasn''t entirely your idea.", "quality": "strong", "skill": "reflection", "disclosure": null, "feedback": "A reflection names the ambivalence without judging it.", "before": {"authenticity": 50, "attentiveness": 50, "positivity": 50, "trust": 35}, "after": {"authenticity": 50, "attentiveness": 60, "positivity": 50, "trust": 40}, "opened": null, "repaired": false, "rule": null, "entered": ["ambivalence"], "written": null}', '2026-12-02 01:16:46.584605+00');
INSERT INTO steps VALUES (2, 'lclPAPWc_2csRL7e3jKhPg', 2, 'ambivalence', 0, '{"number": 2, "scene": "ambivalence", "choice": 0, "say": "Part of you wonders whether this is worth your time.", "quality": null, "skill": null, "disclosure": null, "feedback": null, "before": {"authenticity": 50, "attentiveness": 60, "positivity": 50, "trust": 40}, "after": {"authenticity": 55, "attentiveness": 60, "positivity": 50, "trust": 50}, "opened": null, "repaired": false, "rule": null, "entered": ["good-end"], "written": null}', '2026-12-02 01:16:46.627899+00');
INSERT INTO steps VALUES (3, 'rZj5SpXhTpNKf55gDr7-vg', 1, 'arrival', 2, '{"number": 1, "scene": "arrival", "choice": 2, "say": "Well, you''re here now, so let''s get started on your goals.", "quality": "harmful", "skill": null, "disclosure": null, "feedback": "Pushing on to goals ignores the withdrawal marker.", "before": {"authenticity": 50, "attentiveness": 50, "positivity": 50, "trust": 35}, "after": {"authenticity": 50, "attentiveness": 40, "positivity": 50, "trust": 25}, "opened": "withdrawal", "repaired": false, "rule": null, "entered": ["shutdown"], "written": null}', '2026-12-02 01:16:46.683511+00');
INSERT INTO trainees VALUES (1, 1, 'Ana', 'ana', '1SOf5g9PpZGVl4qG3u2C6Q', '2026-12-02 01:16:46.478584+00');
SELECT pg_catalog.setval('classrooms_id_seq', 1, true);
SELECT pg_catalog.setval('instead_notes_id_seq', 1, false);
SELECT pg_catalog.setval('instructors_id_seq', 1, true);
SELECT pg_catalog.setval('steps_id_seq', 3, true);
SELECT pg_catalog.setval('trainees_id_seq', 1, true);
ALTER TABLE ONLY classrooms
    ADD CONSTRAINT classrooms_code_key UNIQUE (code);
ALTER TABLE ONLY classrooms
    ADD CONSTRAINT classrooms_pkey PRIMARY KEY (id);
ALTER TABLE ONLY instead_notes
    ADD CONSTRAINT instead_notes_pkey PRIMARY KEY (id);
ALTER TABLE ONLY instructors
    ADD CONSTRAINT instructors_email_key UNIQUE (email);
ALTER TABLE ONLY instructors
    ADD CONSTRAINT instructors_pkey PRIMARY KEY (id);
ALTER TABLE ONLY runs
    ADD CONSTRAINT runs_pkey PRIMARY KEY (id);
ALTER TABLE ONLY steps
    ADD CONSTRAINT steps_pkey PRIMARY KEY (id);
ALTER TABLE ONLY trainees
    ADD CONSTRAINT trainees_pkey PRIMARY KEY (id);
ALTER TABLE ONLY instead_notes
    ADD CONSTRAINT uq_instead_run_step UNIQUE (run_id, step);
ALTER TABLE ONLY runs
    ADD CONSTRAINT uq_runs_trainee_attempt UNIQUE (trainee_id, scenario_id, attempt);
ALTER TABLE ONLY steps
    ADD CONSTRAINT uq_steps_run_number UNIQUE (run_id, number);
ALTER TABLE ONLY trainees
    ADD CONSTRAINT uq_trainees_classroom_key UNIQUE (classroom_id, key);
ALTER TABLE ONLY trainees
    ADD CONSTRAINT uq_trainees_classroom_name UNIQUE (classroom_id, name);
CREATE INDEX ix_classrooms_instructor_id ON classrooms USING btree (instructor_id);
CREATE INDEX ix_instead_notes_run_id ON instead_notes USING btree (run_id);
CREATE INDEX ix_runs_class_attempt ON runs USING btree (classroom_id, attempt, is_test, trainee_id, id, scenario_id, scenario_digest, steps, finished, score, ruptures_opened, ruptures_repaired);
CREATE INDEX ix_runs_classroom_id ON runs USING btree (classroom_id);
CREATE INDEX ix_runs_owner_finished ON runs USING btree (owner, finished);
CREATE INDEX ix_runs_scenario_id ON runs USING btree (scenario_id);
CREATE INDEX ix_runs_trainee_id ON runs USING btree (trainee_id);
CREATE INDEX ix_steps_run_scene_choice ON steps USING btree (run_id, scene, choice);
CREATE INDEX ix_trainees_classroom_owner ON trainees USING btree (classroom_id, owner);
CREATE UNIQUE INDEX uq_runs_owner_start_token ON runs USING btree (owner, start_token);
ALTER TABLE ONLY classrooms
    ADD CONSTRAINT classrooms_instructor_id_fkey FOREIGN KEY (instructor_id) REFERENCES instructors(id) ON DELETE CASCADE;
ALTER TABLE ONLY instead_notes
    ADD CONSTRAINT instead_notes_run_id_fkey FOREIGN KEY (run_id) REFERENCES runs(id) ON DELETE CASCADE;
ALTER TABLE ONLY runs
    ADD CONSTRAINT runs_classroom_id_fkey FOREIGN KEY (classroom_id) REFERENCES classrooms(id) ON DELETE CASCADE;
ALTER TABLE ONLY runs
    ADD CONSTRAINT runs_parent_id_fkey FOREIGN KEY (parent_id) REFERENCES runs(id) ON DELETE SET NULL;
ALTER TABLE ONLY runs
    ADD CONSTRAINT runs_trainee_id_fkey FOREIGN KEY (trainee_id) REFERENCES trainees(id) ON DELETE SET NULL;
ALTER TABLE ONLY steps
    ADD CONSTRAINT steps_run_id_fkey FOREIGN KEY (run_id) REFERENCES runs(id) ON DELETE CASCADE;
ALTER TABLE ONLY trainees
    ADD CONSTRAINT trainees_classroom_id_fkey FOREIGN KEY (classroom_id) REFERENCES classrooms(id) ON DELETE CASCADE;
