BEGIN TRANSACTION;
CREATE TABLE classrooms (
	id INTEGER NOT NULL, 
	code VARCHAR(6) NOT NULL, 
	name VARCHAR(120) NOT NULL, 
	instructor_id INTEGER NOT NULL, 
	scenario_ids JSON NOT NULL, 
	mode VARCHAR(16) NOT NULL, 
	board VARCHAR(16) NOT NULL, 
	created_at DATETIME NOT NULL, 
	closed_at DATETIME, 
	frozen_at DATETIME, 
	frozen_board JSON, 
	words_required BOOLEAN DEFAULT '0' NOT NULL, 
	PRIMARY KEY (id), 
	UNIQUE (code), 
	FOREIGN KEY(instructor_id) REFERENCES instructors (id) ON DELETE CASCADE
);
INSERT INTO "classrooms" VALUES(1,'7JEXD4','Counselling skills, week 4',1,'["coat-still-on"]','practice','ranked','2026-12-02 01:06:17.782583',NULL,NULL,NULL,0);
CREATE TABLE instead_notes (
	id INTEGER NOT NULL, 
	run_id VARCHAR(32) NOT NULL, 
	step INTEGER NOT NULL, 
	text TEXT NOT NULL, 
	written_at DATETIME NOT NULL, 
	PRIMARY KEY (id), 
	CONSTRAINT uq_instead_run_step UNIQUE (run_id, step), 
	FOREIGN KEY(run_id) REFERENCES runs (id) ON DELETE CASCADE
);
CREATE TABLE instructors (
	id INTEGER NOT NULL, 
	email VARCHAR(254) NOT NULL, 
	password_hash VARCHAR(255) NOT NULL, 
	created_at DATETIME NOT NULL, 
	login_epoch INTEGER DEFAULT '0' NOT NULL, 
	PRIMARY KEY (id), 
	UNIQUE (email)
);
INSERT INTO "instructors" VALUES(1,'ada@example.org','pbkdf2:sha256:1$1WAVMRLI7pWupqzt$e60dbac334a9ef862462e30feb38c4a1f103e75b93235be76351e8848bac5d52','2026-12-02 01:06:17.702812',0);
CREATE TABLE runs (
	id VARCHAR(32) NOT NULL, 
	owner VARCHAR(64) NOT NULL, 
	scenario_id VARCHAR(100) NOT NULL, 
	title VARCHAR(200) NOT NULL, 
	scenario_digest VARCHAR(64) NOT NULL, 
	scenario_source TEXT NOT NULL, 
	mode VARCHAR(16) NOT NULL, 
	state JSON NOT NULL, 
	scene VARCHAR(100) NOT NULL, 
	steps INTEGER NOT NULL, 
	finished BOOLEAN NOT NULL, 
	outcome VARCHAR(16), 
	ending VARCHAR(100), 
	started_at DATETIME NOT NULL, 
	finished_at DATETIME, 
	updated_at DATETIME NOT NULL, 
	score INTEGER NOT NULL, 
	ruptures_opened INTEGER NOT NULL, 
	ruptures_repaired INTEGER NOT NULL, 
	is_test BOOLEAN NOT NULL, 
	parent_id VARCHAR(32), 
	branched_at INTEGER, 
	classroom_id INTEGER, 
	trainee_id INTEGER, 
	attempt INTEGER, 
	start_token VARCHAR(40), 
	reaction_rating INTEGER, 
	reaction_text TEXT, 
	reacted_at DATETIME, 
	version INTEGER NOT NULL, 
	PRIMARY KEY (id), 
	CONSTRAINT uq_runs_trainee_attempt UNIQUE (trainee_id, scenario_id, attempt), 
	FOREIGN KEY(parent_id) REFERENCES runs (id) ON DELETE SET NULL, 
	FOREIGN KEY(classroom_id) REFERENCES classrooms (id) ON DELETE CASCADE, 
	FOREIGN KEY(trainee_id) REFERENCES trainees (id) ON DELETE SET NULL
);
INSERT INTO "runs" VALUES('NpW350GIMKbgZ4b_KLk6Yg','lxepPPw5St705fXtYH2AOw','coat-still-on','Coat Still On','f38bb9dee941756b728d4d847c9a40e7c74505dfbdda6889e044d6d9d73f859e','format: 1
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
','practice','{"scene": "good-end", "meters": {"authenticity": 55, "attentiveness": 60, "positivity": 50, "trust": 50}, "trail": ["arrival", "ambivalence", "good-end"], "ruptures": [], "fired": [], "steps": 2, "hints": [], "finished": true, "outcome": "good", "seed": "2a3fa8a7c11a5b8e", "written": null}','good-end',2,1,'good','good-end','2026-12-02 01:06:17.888889','2026-12-02 01:06:17.969853','2026-12-02 01:06:17.969853',53,0,0,0,NULL,NULL,1,1,1,NULL,NULL,NULL,NULL,3);
INSERT INTO "runs" VALUES('1A5oZ1LhdhqpAmr2A81oZg','-h4TK24_goRyNaP_odQ7uw','coat-still-on','Coat Still On','f38bb9dee941756b728d4d847c9a40e7c74505dfbdda6889e044d6d9d73f859e','format: 1
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
','practice','{"scene": "shutdown", "meters": {"authenticity": 50, "attentiveness": 40, "positivity": 50, "trust": 25}, "trail": ["arrival", "shutdown"], "ruptures": [{"type": "withdrawal", "opened_at": "arrival", "repaired_at": null}], "fired": [], "steps": 1, "hints": [], "finished": false, "outcome": null, "seed": "2007761dec561c99", "written": null}','shutdown',1,0,NULL,NULL,'2026-12-02 01:06:18.000113',NULL,'2026-12-02 01:06:18.021312',38,1,0,0,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,2);
CREATE TABLE steps (
	id INTEGER NOT NULL, 
	run_id VARCHAR(32) NOT NULL, 
	number INTEGER NOT NULL, 
	scene VARCHAR(100) NOT NULL, 
	choice INTEGER NOT NULL, 
	data JSON NOT NULL, 
	created_at DATETIME NOT NULL, 
	PRIMARY KEY (id), 
	CONSTRAINT uq_steps_run_number UNIQUE (run_id, number), 
	FOREIGN KEY(run_id) REFERENCES runs (id) ON DELETE CASCADE
);
INSERT INTO "steps" VALUES(1,'NpW350GIMKbgZ4b_KLk6Yg',1,'arrival',0,'{"number": 1, "scene": "arrival", "choice": 0, "say": "It sounds like coming here wasn''t entirely your idea.", "quality": "strong", "skill": "reflection", "disclosure": null, "feedback": "A reflection names the ambivalence without judging it.", "before": {"authenticity": 50, "attentiveness": 50, "positivity": 50, "trust": 35}, "after": {"authenticity": 50, "attentiveness": 60, "positivity": 50, "trust": 40}, "opened": null, "repaired": false, "rule": null, "entered": ["ambivalence"], "written": null}','2026-12-02 01:06:17.942458');
INSERT INTO "steps" VALUES(2,'NpW350GIMKbgZ4b_KLk6Yg',2,'ambivalence',0,'{"number": 2, "scene": "ambivalence", "choice": 0, "say": "Part of you wonders whether this is worth your time.", "quality": null, "skill": null, "disclosure": null, "feedback": null, "before": {"authenticity": 50, "attentiveness": 60, "positivity": 50, "trust": 40}, "after": {"authenticity": 55, "attentiveness": 60, "positivity": 50, "trust": 50}, "opened": null, "repaired": false, "rule": null, "entered": ["good-end"], "written": null}','2026-12-02 01:06:17.971139');
INSERT INTO "steps" VALUES(3,'1A5oZ1LhdhqpAmr2A81oZg',1,'arrival',2,'{"number": 1, "scene": "arrival", "choice": 2, "say": "Well, you''re here now, so let''s get started on your goals.", "quality": "harmful", "skill": null, "disclosure": null, "feedback": "Pushing on to goals ignores the withdrawal marker.", "before": {"authenticity": 50, "attentiveness": 50, "positivity": 50, "trust": 35}, "after": {"authenticity": 50, "attentiveness": 40, "positivity": 50, "trust": 25}, "opened": "withdrawal", "repaired": false, "rule": null, "entered": ["shutdown"], "written": null}','2026-12-02 01:06:18.022597');
CREATE TABLE trainees (
	id INTEGER NOT NULL, 
	classroom_id INTEGER NOT NULL, 
	name VARCHAR(40) NOT NULL, 
	"key" VARCHAR(160) NOT NULL, 
	owner VARCHAR(64) NOT NULL, 
	joined_at DATETIME NOT NULL, 
	PRIMARY KEY (id), 
	CONSTRAINT uq_trainees_classroom_name UNIQUE (classroom_id, name), 
	CONSTRAINT uq_trainees_classroom_key UNIQUE (classroom_id, "key"), 
	FOREIGN KEY(classroom_id) REFERENCES classrooms (id) ON DELETE CASCADE
);
INSERT INTO "trainees" VALUES(1,1,'Ana','ana','lxepPPw5St705fXtYH2AOw','2026-12-02 01:06:17.837553');
CREATE INDEX ix_classrooms_instructor_id ON classrooms (instructor_id);
CREATE INDEX ix_trainees_classroom_owner ON trainees (classroom_id, owner);
CREATE INDEX ix_runs_owner_finished ON runs (owner, finished);
CREATE UNIQUE INDEX uq_runs_owner_start_token ON runs (owner, start_token);
CREATE INDEX ix_runs_class_attempt ON runs (classroom_id, attempt, is_test, trainee_id, id, scenario_id, scenario_digest, steps, finished, score, ruptures_opened, ruptures_repaired);
CREATE INDEX ix_runs_trainee_id ON runs (trainee_id);
CREATE INDEX ix_runs_classroom_id ON runs (classroom_id);
CREATE INDEX ix_runs_scenario_id ON runs (scenario_id);
CREATE INDEX ix_steps_run_scene_choice ON steps (run_id, scene, choice);
CREATE INDEX ix_instead_notes_run_id ON instead_notes (run_id);
COMMIT;
