-- Seeds the shipped notification templates (workers/notifications/templates.ts DEFAULT_TEMPLATES);
-- admins edit them afterwards through /v1/admin/notifications/templates and the portal.
--> statement-breakpoint
INSERT OR IGNORE INTO notification_templates (event, channel, locale, subject, body, updated_at, updated_by) VALUES ('submission.received', 'email', 'en', 'We received your StateX request ({{id}})', 'Hello {{name}},

we received your request and are working on it. We will tell you when the result is ready.

Follow it here: {{link}}', 0, NULL);
--> statement-breakpoint
INSERT OR IGNORE INTO notification_templates (event, channel, locale, subject, body, updated_at, updated_by) VALUES ('submission.received', 'email', 'cs', 'Přijali jsme váš požadavek StateX ({{id}})', 'Dobrý den {{name}},

váš požadavek jsme přijali a pracujeme na něm. Až bude výsledek hotový, dáme vám vědět.

Sledujte ho zde: {{link}}', 0, NULL);
--> statement-breakpoint
INSERT OR IGNORE INTO notification_templates (event, channel, locale, subject, body, updated_at, updated_by) VALUES ('submission.received', 'sms', 'en', 'We received your StateX request ({{id}})', 'StateX received your request {{id}}. {{link}}', 0, NULL);
--> statement-breakpoint
INSERT OR IGNORE INTO notification_templates (event, channel, locale, subject, body, updated_at, updated_by) VALUES ('submission.received', 'sms', 'cs', 'Přijali jsme váš požadavek StateX ({{id}})', 'StateX prijal vas pozadavek {{id}}. {{link}}', 0, NULL);
--> statement-breakpoint
INSERT OR IGNORE INTO notification_templates (event, channel, locale, subject, body, updated_at, updated_by) VALUES ('submission.received', 'whatsapp', 'en', 'We received your StateX request ({{id}})', 'StateX received your request {{id}}. Follow it: {{link}}', 0, NULL);
--> statement-breakpoint
INSERT OR IGNORE INTO notification_templates (event, channel, locale, subject, body, updated_at, updated_by) VALUES ('submission.received', 'whatsapp', 'cs', 'Přijali jsme váš požadavek StateX ({{id}})', 'StateX přijal váš požadavek {{id}}. Sledujte ho: {{link}}', 0, NULL);
--> statement-breakpoint
INSERT OR IGNORE INTO notification_templates (event, channel, locale, subject, body, updated_at, updated_by) VALUES ('submission.received', 'telegram', 'en', 'We received your StateX request ({{id}})', 'StateX received your request {{id}}. Follow it: {{link}}', 0, NULL);
--> statement-breakpoint
INSERT OR IGNORE INTO notification_templates (event, channel, locale, subject, body, updated_at, updated_by) VALUES ('submission.received', 'telegram', 'cs', 'Přijali jsme váš požadavek StateX ({{id}})', 'StateX přijal váš požadavek {{id}}. Sledujte ho: {{link}}', 0, NULL);
--> statement-breakpoint
INSERT OR IGNORE INTO notification_templates (event, channel, locale, subject, body, updated_at, updated_by) VALUES ('submission.received', 'slack', 'en', 'We received your StateX request ({{id}})', 'StateX received your request {{id}}. Follow it: {{link}}', 0, NULL);
--> statement-breakpoint
INSERT OR IGNORE INTO notification_templates (event, channel, locale, subject, body, updated_at, updated_by) VALUES ('submission.received', 'slack', 'cs', 'Přijali jsme váš požadavek StateX ({{id}})', 'StateX přijal váš požadavek {{id}}. Sledujte ho: {{link}}', 0, NULL);
--> statement-breakpoint
INSERT OR IGNORE INTO notification_templates (event, channel, locale, subject, body, updated_at, updated_by) VALUES ('submission.received', 'discord', 'en', 'We received your StateX request ({{id}})', 'StateX received your request {{id}}. Follow it: {{link}}', 0, NULL);
--> statement-breakpoint
INSERT OR IGNORE INTO notification_templates (event, channel, locale, subject, body, updated_at, updated_by) VALUES ('submission.received', 'discord', 'cs', 'Přijali jsme váš požadavek StateX ({{id}})', 'StateX přijal váš požadavek {{id}}. Sledujte ho: {{link}}', 0, NULL);
--> statement-breakpoint
INSERT OR IGNORE INTO notification_templates (event, channel, locale, subject, body, updated_at, updated_by) VALUES ('submission.completed', 'email', 'en', 'Your StateX result is ready ({{id}})', 'Hello {{name}},

your request has been processed. The result is below.

{{result}}

Request {{id}}: {{link}}', 0, NULL);
--> statement-breakpoint
INSERT OR IGNORE INTO notification_templates (event, channel, locale, subject, body, updated_at, updated_by) VALUES ('submission.completed', 'email', 'cs', 'Váš výsledek StateX je hotový ({{id}})', 'Dobrý den {{name}},

váš požadavek jsme zpracovali. Výsledek najdete níže.

{{result}}

Požadavek {{id}}: {{link}}', 0, NULL);
--> statement-breakpoint
INSERT OR IGNORE INTO notification_templates (event, channel, locale, subject, body, updated_at, updated_by) VALUES ('submission.completed', 'sms', 'en', 'Your StateX result is ready ({{id}})', 'Your StateX result is ready: {{summary}} {{link}}', 0, NULL);
--> statement-breakpoint
INSERT OR IGNORE INTO notification_templates (event, channel, locale, subject, body, updated_at, updated_by) VALUES ('submission.completed', 'sms', 'cs', 'Váš výsledek StateX je hotový ({{id}})', 'Vysledek StateX je hotovy: {{summary}} {{link}}', 0, NULL);
--> statement-breakpoint
INSERT OR IGNORE INTO notification_templates (event, channel, locale, subject, body, updated_at, updated_by) VALUES ('submission.completed', 'whatsapp', 'en', 'Your StateX result is ready ({{id}})', 'Your StateX result is ready ({{id}}).

{{summary}}

Read it: {{link}}', 0, NULL);
--> statement-breakpoint
INSERT OR IGNORE INTO notification_templates (event, channel, locale, subject, body, updated_at, updated_by) VALUES ('submission.completed', 'whatsapp', 'cs', 'Váš výsledek StateX je hotový ({{id}})', 'Váš výsledek StateX je hotový ({{id}}).

{{summary}}

Přečtěte si ho: {{link}}', 0, NULL);
--> statement-breakpoint
INSERT OR IGNORE INTO notification_templates (event, channel, locale, subject, body, updated_at, updated_by) VALUES ('submission.completed', 'telegram', 'en', 'Your StateX result is ready ({{id}})', 'Your StateX result is ready ({{id}}).

{{summary}}

Read it: {{link}}', 0, NULL);
--> statement-breakpoint
INSERT OR IGNORE INTO notification_templates (event, channel, locale, subject, body, updated_at, updated_by) VALUES ('submission.completed', 'telegram', 'cs', 'Váš výsledek StateX je hotový ({{id}})', 'Váš výsledek StateX je hotový ({{id}}).

{{summary}}

Přečtěte si ho: {{link}}', 0, NULL);
--> statement-breakpoint
INSERT OR IGNORE INTO notification_templates (event, channel, locale, subject, body, updated_at, updated_by) VALUES ('submission.completed', 'slack', 'en', 'Your StateX result is ready ({{id}})', 'Your StateX result is ready ({{id}}).

{{summary}}

Read it: {{link}}', 0, NULL);
--> statement-breakpoint
INSERT OR IGNORE INTO notification_templates (event, channel, locale, subject, body, updated_at, updated_by) VALUES ('submission.completed', 'slack', 'cs', 'Váš výsledek StateX je hotový ({{id}})', 'Váš výsledek StateX je hotový ({{id}}).

{{summary}}

Přečtěte si ho: {{link}}', 0, NULL);
--> statement-breakpoint
INSERT OR IGNORE INTO notification_templates (event, channel, locale, subject, body, updated_at, updated_by) VALUES ('submission.completed', 'discord', 'en', 'Your StateX result is ready ({{id}})', 'Your StateX result is ready ({{id}}).

{{summary}}

Read it: {{link}}', 0, NULL);
--> statement-breakpoint
INSERT OR IGNORE INTO notification_templates (event, channel, locale, subject, body, updated_at, updated_by) VALUES ('submission.completed', 'discord', 'cs', 'Váš výsledek StateX je hotový ({{id}})', 'Váš výsledek StateX je hotový ({{id}}).

{{summary}}

Přečtěte si ho: {{link}}', 0, NULL);
--> statement-breakpoint
INSERT OR IGNORE INTO notification_templates (event, channel, locale, subject, body, updated_at, updated_by) VALUES ('submission.failed', 'email', 'en', 'We could not complete your StateX request ({{id}})', 'Hello {{name}},

we are sorry: your request could not be completed.

Reason: {{reason}}

If you contact us, quote request id {{requestId}}.

Request {{id}}: {{link}}', 0, NULL);
--> statement-breakpoint
INSERT OR IGNORE INTO notification_templates (event, channel, locale, subject, body, updated_at, updated_by) VALUES ('submission.failed', 'email', 'cs', 'Váš požadavek StateX se nepodařilo dokončit ({{id}})', 'Dobrý den {{name}},

omlouváme se: váš požadavek se nepodařilo dokončit.

Důvod: {{reason}}

Pokud nás budete kontaktovat, uveďte id {{requestId}}.

Požadavek {{id}}: {{link}}', 0, NULL);
--> statement-breakpoint
INSERT OR IGNORE INTO notification_templates (event, channel, locale, subject, body, updated_at, updated_by) VALUES ('submission.failed', 'sms', 'en', 'We could not complete your StateX request ({{id}})', 'StateX could not complete request {{id}}: {{reason}} {{link}}', 0, NULL);
--> statement-breakpoint
INSERT OR IGNORE INTO notification_templates (event, channel, locale, subject, body, updated_at, updated_by) VALUES ('submission.failed', 'sms', 'cs', 'Váš požadavek StateX se nepodařilo dokončit ({{id}})', 'StateX nedokoncil pozadavek {{id}}: {{reason}} {{link}}', 0, NULL);
--> statement-breakpoint
INSERT OR IGNORE INTO notification_templates (event, channel, locale, subject, body, updated_at, updated_by) VALUES ('submission.failed', 'whatsapp', 'en', 'We could not complete your StateX request ({{id}})', 'We could not complete your StateX request {{id}}: {{reason}}
{{link}}', 0, NULL);
--> statement-breakpoint
INSERT OR IGNORE INTO notification_templates (event, channel, locale, subject, body, updated_at, updated_by) VALUES ('submission.failed', 'whatsapp', 'cs', 'Váš požadavek StateX se nepodařilo dokončit ({{id}})', 'Váš požadavek StateX {{id}} se nepodařilo dokončit: {{reason}}
{{link}}', 0, NULL);
--> statement-breakpoint
INSERT OR IGNORE INTO notification_templates (event, channel, locale, subject, body, updated_at, updated_by) VALUES ('submission.failed', 'telegram', 'en', 'We could not complete your StateX request ({{id}})', 'We could not complete your StateX request {{id}}: {{reason}}
{{link}}', 0, NULL);
--> statement-breakpoint
INSERT OR IGNORE INTO notification_templates (event, channel, locale, subject, body, updated_at, updated_by) VALUES ('submission.failed', 'telegram', 'cs', 'Váš požadavek StateX se nepodařilo dokončit ({{id}})', 'Váš požadavek StateX {{id}} se nepodařilo dokončit: {{reason}}
{{link}}', 0, NULL);
--> statement-breakpoint
INSERT OR IGNORE INTO notification_templates (event, channel, locale, subject, body, updated_at, updated_by) VALUES ('submission.failed', 'slack', 'en', 'We could not complete your StateX request ({{id}})', 'We could not complete your StateX request {{id}}: {{reason}}
{{link}}', 0, NULL);
--> statement-breakpoint
INSERT OR IGNORE INTO notification_templates (event, channel, locale, subject, body, updated_at, updated_by) VALUES ('submission.failed', 'slack', 'cs', 'Váš požadavek StateX se nepodařilo dokončit ({{id}})', 'Váš požadavek StateX {{id}} se nepodařilo dokončit: {{reason}}
{{link}}', 0, NULL);
--> statement-breakpoint
INSERT OR IGNORE INTO notification_templates (event, channel, locale, subject, body, updated_at, updated_by) VALUES ('submission.failed', 'discord', 'en', 'We could not complete your StateX request ({{id}})', 'We could not complete your StateX request {{id}}: {{reason}}
{{link}}', 0, NULL);
--> statement-breakpoint
INSERT OR IGNORE INTO notification_templates (event, channel, locale, subject, body, updated_at, updated_by) VALUES ('submission.failed', 'discord', 'cs', 'Váš požadavek StateX se nepodařilo dokončit ({{id}})', 'Váš požadavek StateX {{id}} se nepodařilo dokončit: {{reason}}
{{link}}', 0, NULL);
--> statement-breakpoint
INSERT OR IGNORE INTO notification_templates (event, channel, locale, subject, body, updated_at, updated_by) VALUES ('submission.cancelled', 'email', 'en', 'Your StateX request was cancelled ({{id}})', 'Hello {{name}},

your request was cancelled as asked; nothing more will be done with it.

If this was not you, quote request id {{requestId}} when you contact us.

Request {{id}}: {{link}}', 0, NULL);
--> statement-breakpoint
INSERT OR IGNORE INTO notification_templates (event, channel, locale, subject, body, updated_at, updated_by) VALUES ('submission.cancelled', 'email', 'cs', 'Váš požadavek StateX byl zrušen ({{id}})', 'Dobrý den {{name}},

váš požadavek byl na vaši žádost zrušen; nic dalšího s ním neuděláme.

Pokud jste to nebyli vy, uveďte při kontaktu id {{requestId}}.

Požadavek {{id}}: {{link}}', 0, NULL);
--> statement-breakpoint
INSERT OR IGNORE INTO notification_templates (event, channel, locale, subject, body, updated_at, updated_by) VALUES ('submission.cancelled', 'sms', 'en', 'Your StateX request was cancelled ({{id}})', 'StateX request {{id}} was cancelled. {{link}}', 0, NULL);
--> statement-breakpoint
INSERT OR IGNORE INTO notification_templates (event, channel, locale, subject, body, updated_at, updated_by) VALUES ('submission.cancelled', 'sms', 'cs', 'Váš požadavek StateX byl zrušen ({{id}})', 'Pozadavek StateX {{id}} byl zrusen. {{link}}', 0, NULL);
--> statement-breakpoint
INSERT OR IGNORE INTO notification_templates (event, channel, locale, subject, body, updated_at, updated_by) VALUES ('submission.cancelled', 'whatsapp', 'en', 'Your StateX request was cancelled ({{id}})', 'Your StateX request {{id}} was cancelled. {{link}}', 0, NULL);
--> statement-breakpoint
INSERT OR IGNORE INTO notification_templates (event, channel, locale, subject, body, updated_at, updated_by) VALUES ('submission.cancelled', 'whatsapp', 'cs', 'Váš požadavek StateX byl zrušen ({{id}})', 'Váš požadavek StateX {{id}} byl zrušen. {{link}}', 0, NULL);
--> statement-breakpoint
INSERT OR IGNORE INTO notification_templates (event, channel, locale, subject, body, updated_at, updated_by) VALUES ('submission.cancelled', 'telegram', 'en', 'Your StateX request was cancelled ({{id}})', 'Your StateX request {{id}} was cancelled. {{link}}', 0, NULL);
--> statement-breakpoint
INSERT OR IGNORE INTO notification_templates (event, channel, locale, subject, body, updated_at, updated_by) VALUES ('submission.cancelled', 'telegram', 'cs', 'Váš požadavek StateX byl zrušen ({{id}})', 'Váš požadavek StateX {{id}} byl zrušen. {{link}}', 0, NULL);
--> statement-breakpoint
INSERT OR IGNORE INTO notification_templates (event, channel, locale, subject, body, updated_at, updated_by) VALUES ('submission.cancelled', 'slack', 'en', 'Your StateX request was cancelled ({{id}})', 'Your StateX request {{id}} was cancelled. {{link}}', 0, NULL);
--> statement-breakpoint
INSERT OR IGNORE INTO notification_templates (event, channel, locale, subject, body, updated_at, updated_by) VALUES ('submission.cancelled', 'slack', 'cs', 'Váš požadavek StateX byl zrušen ({{id}})', 'Váš požadavek StateX {{id}} byl zrušen. {{link}}', 0, NULL);
--> statement-breakpoint
INSERT OR IGNORE INTO notification_templates (event, channel, locale, subject, body, updated_at, updated_by) VALUES ('submission.cancelled', 'discord', 'en', 'Your StateX request was cancelled ({{id}})', 'Your StateX request {{id}} was cancelled. {{link}}', 0, NULL);
--> statement-breakpoint
INSERT OR IGNORE INTO notification_templates (event, channel, locale, subject, body, updated_at, updated_by) VALUES ('submission.cancelled', 'discord', 'cs', 'Váš požadavek StateX byl zrušen ({{id}})', 'Váš požadavek StateX {{id}} byl zrušen. {{link}}', 0, NULL);
--> statement-breakpoint
INSERT OR IGNORE INTO notification_templates (event, channel, locale, subject, body, updated_at, updated_by) VALUES ('submission.needs_review', 'email', 'en', 'Your StateX request is being reviewed ({{id}})', 'Hello {{name}},

the result of your request is ready and waits for a reviewer. We will send it as soon as it is approved.

Request {{id}}: {{link}}', 0, NULL);
--> statement-breakpoint
INSERT OR IGNORE INTO notification_templates (event, channel, locale, subject, body, updated_at, updated_by) VALUES ('submission.needs_review', 'email', 'cs', 'Váš požadavek StateX čeká na kontrolu ({{id}})', 'Dobrý den {{name}},

výsledek vašeho požadavku je připravený a čeká na kontrolu. Pošleme vám ho, jakmile bude schválen.

Požadavek {{id}}: {{link}}', 0, NULL);
--> statement-breakpoint
INSERT OR IGNORE INTO notification_templates (event, channel, locale, subject, body, updated_at, updated_by) VALUES ('submission.needs_review', 'sms', 'en', 'Your StateX request is being reviewed ({{id}})', 'StateX request {{id}} waits for review. {{link}}', 0, NULL);
--> statement-breakpoint
INSERT OR IGNORE INTO notification_templates (event, channel, locale, subject, body, updated_at, updated_by) VALUES ('submission.needs_review', 'sms', 'cs', 'Váš požadavek StateX čeká na kontrolu ({{id}})', 'Pozadavek StateX {{id}} ceka na kontrolu. {{link}}', 0, NULL);
--> statement-breakpoint
INSERT OR IGNORE INTO notification_templates (event, channel, locale, subject, body, updated_at, updated_by) VALUES ('submission.needs_review', 'whatsapp', 'en', 'Your StateX request is being reviewed ({{id}})', 'Your StateX request {{id}} waits for a reviewer. {{link}}', 0, NULL);
--> statement-breakpoint
INSERT OR IGNORE INTO notification_templates (event, channel, locale, subject, body, updated_at, updated_by) VALUES ('submission.needs_review', 'whatsapp', 'cs', 'Váš požadavek StateX čeká na kontrolu ({{id}})', 'Váš požadavek StateX {{id}} čeká na kontrolu. {{link}}', 0, NULL);
--> statement-breakpoint
INSERT OR IGNORE INTO notification_templates (event, channel, locale, subject, body, updated_at, updated_by) VALUES ('submission.needs_review', 'telegram', 'en', 'Your StateX request is being reviewed ({{id}})', 'Your StateX request {{id}} waits for a reviewer. {{link}}', 0, NULL);
--> statement-breakpoint
INSERT OR IGNORE INTO notification_templates (event, channel, locale, subject, body, updated_at, updated_by) VALUES ('submission.needs_review', 'telegram', 'cs', 'Váš požadavek StateX čeká na kontrolu ({{id}})', 'Váš požadavek StateX {{id}} čeká na kontrolu. {{link}}', 0, NULL);
--> statement-breakpoint
INSERT OR IGNORE INTO notification_templates (event, channel, locale, subject, body, updated_at, updated_by) VALUES ('submission.needs_review', 'slack', 'en', 'Your StateX request is being reviewed ({{id}})', 'Your StateX request {{id}} waits for a reviewer. {{link}}', 0, NULL);
--> statement-breakpoint
INSERT OR IGNORE INTO notification_templates (event, channel, locale, subject, body, updated_at, updated_by) VALUES ('submission.needs_review', 'slack', 'cs', 'Váš požadavek StateX čeká na kontrolu ({{id}})', 'Váš požadavek StateX {{id}} čeká na kontrolu. {{link}}', 0, NULL);
--> statement-breakpoint
INSERT OR IGNORE INTO notification_templates (event, channel, locale, subject, body, updated_at, updated_by) VALUES ('submission.needs_review', 'discord', 'en', 'Your StateX request is being reviewed ({{id}})', 'Your StateX request {{id}} waits for a reviewer. {{link}}', 0, NULL);
--> statement-breakpoint
INSERT OR IGNORE INTO notification_templates (event, channel, locale, subject, body, updated_at, updated_by) VALUES ('submission.needs_review', 'discord', 'cs', 'Váš požadavek StateX čeká na kontrolu ({{id}})', 'Váš požadavek StateX {{id}} čeká na kontrolu. {{link}}', 0, NULL);
--> statement-breakpoint
INSERT OR IGNORE INTO notification_templates (event, channel, locale, subject, body, updated_at, updated_by) VALUES ('account.password_changed', 'email', 'en', 'Your StateX password was changed', 'Hello {{name}},

the password of your StateX account was changed at {{time}}. Every other session was signed out.

If this was not you, reset your password at once: {{link}}', 0, NULL);
--> statement-breakpoint
INSERT OR IGNORE INTO notification_templates (event, channel, locale, subject, body, updated_at, updated_by) VALUES ('account.password_changed', 'email', 'cs', 'Heslo k vašemu účtu StateX bylo změněno', 'Dobrý den {{name}},

heslo k vašemu účtu StateX bylo změněno ({{time}}). Ostatní přihlášení byla ukončena.

Pokud jste to nebyli vy, ihned si heslo obnovte: {{link}}', 0, NULL);
--> statement-breakpoint
INSERT OR IGNORE INTO notification_templates (event, channel, locale, subject, body, updated_at, updated_by) VALUES ('account.password_changed', 'sms', 'en', 'Your StateX password was changed', 'Your StateX password was changed at {{time}}. Not you? {{link}}', 0, NULL);
--> statement-breakpoint
INSERT OR IGNORE INTO notification_templates (event, channel, locale, subject, body, updated_at, updated_by) VALUES ('account.password_changed', 'sms', 'cs', 'Heslo k vašemu účtu StateX bylo změněno', 'Heslo StateX bylo zmeneno ({{time}}). Nebyli jste to vy? {{link}}', 0, NULL);
--> statement-breakpoint
INSERT OR IGNORE INTO notification_templates (event, channel, locale, subject, body, updated_at, updated_by) VALUES ('account.password_changed', 'whatsapp', 'en', 'Your StateX password was changed', 'Your StateX password was changed at {{time}}. Not you? {{link}}', 0, NULL);
--> statement-breakpoint
INSERT OR IGNORE INTO notification_templates (event, channel, locale, subject, body, updated_at, updated_by) VALUES ('account.password_changed', 'whatsapp', 'cs', 'Heslo k vašemu účtu StateX bylo změněno', 'Heslo k účtu StateX bylo změněno ({{time}}). Nebyli jste to vy? {{link}}', 0, NULL);
--> statement-breakpoint
INSERT OR IGNORE INTO notification_templates (event, channel, locale, subject, body, updated_at, updated_by) VALUES ('account.password_changed', 'telegram', 'en', 'Your StateX password was changed', 'Your StateX password was changed at {{time}}. Not you? {{link}}', 0, NULL);
--> statement-breakpoint
INSERT OR IGNORE INTO notification_templates (event, channel, locale, subject, body, updated_at, updated_by) VALUES ('account.password_changed', 'telegram', 'cs', 'Heslo k vašemu účtu StateX bylo změněno', 'Heslo k účtu StateX bylo změněno ({{time}}). Nebyli jste to vy? {{link}}', 0, NULL);
--> statement-breakpoint
INSERT OR IGNORE INTO notification_templates (event, channel, locale, subject, body, updated_at, updated_by) VALUES ('account.password_changed', 'slack', 'en', 'Your StateX password was changed', 'Your StateX password was changed at {{time}}. Not you? {{link}}', 0, NULL);
--> statement-breakpoint
INSERT OR IGNORE INTO notification_templates (event, channel, locale, subject, body, updated_at, updated_by) VALUES ('account.password_changed', 'slack', 'cs', 'Heslo k vašemu účtu StateX bylo změněno', 'Heslo k účtu StateX bylo změněno ({{time}}). Nebyli jste to vy? {{link}}', 0, NULL);
--> statement-breakpoint
INSERT OR IGNORE INTO notification_templates (event, channel, locale, subject, body, updated_at, updated_by) VALUES ('account.password_changed', 'discord', 'en', 'Your StateX password was changed', 'Your StateX password was changed at {{time}}. Not you? {{link}}', 0, NULL);
--> statement-breakpoint
INSERT OR IGNORE INTO notification_templates (event, channel, locale, subject, body, updated_at, updated_by) VALUES ('account.password_changed', 'discord', 'cs', 'Heslo k vašemu účtu StateX bylo změněno', 'Heslo k účtu StateX bylo změněno ({{time}}). Nebyli jste to vy? {{link}}', 0, NULL);
--> statement-breakpoint
INSERT OR IGNORE INTO notification_templates (event, channel, locale, subject, body, updated_at, updated_by) VALUES ('account.api_key_created', 'email', 'en', 'A new StateX API key was created', 'Hello {{name}},

a new API key "{{keyName}}" was created for your StateX account at {{time}}.

If this was not you, revoke it: {{link}}', 0, NULL);
--> statement-breakpoint
INSERT OR IGNORE INTO notification_templates (event, channel, locale, subject, body, updated_at, updated_by) VALUES ('account.api_key_created', 'email', 'cs', 'Byl vytvořen nový klíč API StateX', 'Dobrý den {{name}},

k vašemu účtu StateX byl vytvořen nový klíč API „{{keyName}}“ ({{time}}).

Pokud jste to nebyli vy, zrušte ho: {{link}}', 0, NULL);
--> statement-breakpoint
INSERT OR IGNORE INTO notification_templates (event, channel, locale, subject, body, updated_at, updated_by) VALUES ('account.api_key_created', 'sms', 'en', 'A new StateX API key was created', 'New StateX API key "{{keyName}}" created at {{time}}. {{link}}', 0, NULL);
--> statement-breakpoint
INSERT OR IGNORE INTO notification_templates (event, channel, locale, subject, body, updated_at, updated_by) VALUES ('account.api_key_created', 'sms', 'cs', 'Byl vytvořen nový klíč API StateX', 'Novy klic API StateX {{keyName}} ({{time}}). {{link}}', 0, NULL);
--> statement-breakpoint
INSERT OR IGNORE INTO notification_templates (event, channel, locale, subject, body, updated_at, updated_by) VALUES ('account.api_key_created', 'whatsapp', 'en', 'A new StateX API key was created', 'A new StateX API key "{{keyName}}" was created at {{time}}. {{link}}', 0, NULL);
--> statement-breakpoint
INSERT OR IGNORE INTO notification_templates (event, channel, locale, subject, body, updated_at, updated_by) VALUES ('account.api_key_created', 'whatsapp', 'cs', 'Byl vytvořen nový klíč API StateX', 'Byl vytvořen nový klíč API StateX „{{keyName}}“ ({{time}}). {{link}}', 0, NULL);
--> statement-breakpoint
INSERT OR IGNORE INTO notification_templates (event, channel, locale, subject, body, updated_at, updated_by) VALUES ('account.api_key_created', 'telegram', 'en', 'A new StateX API key was created', 'A new StateX API key "{{keyName}}" was created at {{time}}. {{link}}', 0, NULL);
--> statement-breakpoint
INSERT OR IGNORE INTO notification_templates (event, channel, locale, subject, body, updated_at, updated_by) VALUES ('account.api_key_created', 'telegram', 'cs', 'Byl vytvořen nový klíč API StateX', 'Byl vytvořen nový klíč API StateX „{{keyName}}“ ({{time}}). {{link}}', 0, NULL);
--> statement-breakpoint
INSERT OR IGNORE INTO notification_templates (event, channel, locale, subject, body, updated_at, updated_by) VALUES ('account.api_key_created', 'slack', 'en', 'A new StateX API key was created', 'A new StateX API key "{{keyName}}" was created at {{time}}. {{link}}', 0, NULL);
--> statement-breakpoint
INSERT OR IGNORE INTO notification_templates (event, channel, locale, subject, body, updated_at, updated_by) VALUES ('account.api_key_created', 'slack', 'cs', 'Byl vytvořen nový klíč API StateX', 'Byl vytvořen nový klíč API StateX „{{keyName}}“ ({{time}}). {{link}}', 0, NULL);
--> statement-breakpoint
INSERT OR IGNORE INTO notification_templates (event, channel, locale, subject, body, updated_at, updated_by) VALUES ('account.api_key_created', 'discord', 'en', 'A new StateX API key was created', 'A new StateX API key "{{keyName}}" was created at {{time}}. {{link}}', 0, NULL);
--> statement-breakpoint
INSERT OR IGNORE INTO notification_templates (event, channel, locale, subject, body, updated_at, updated_by) VALUES ('account.api_key_created', 'discord', 'cs', 'Byl vytvořen nový klíč API StateX', 'Byl vytvořen nový klíč API StateX „{{keyName}}“ ({{time}}). {{link}}', 0, NULL);
--> statement-breakpoint
INSERT OR IGNORE INTO notification_templates (event, channel, locale, subject, body, updated_at, updated_by) VALUES ('digest.daily', 'email', 'en', 'Your StateX results of {{date}} ({{count}})', 'Hello {{name}},

{{count}} of your requests were completed on {{date}}:

{{items}}

All your requests: {{link}}', 0, NULL);
--> statement-breakpoint
INSERT OR IGNORE INTO notification_templates (event, channel, locale, subject, body, updated_at, updated_by) VALUES ('digest.daily', 'email', 'cs', 'Vaše výsledky StateX ze dne {{date}} ({{count}})', 'Dobrý den {{name}},

dne {{date}} bylo dokončeno {{count}} vašich požadavků:

{{items}}

Všechny vaše požadavky: {{link}}', 0, NULL);
