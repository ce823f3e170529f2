"""Maestro settings: one module, every deploy-varying value read from the environment.

With DJANGO_DEBUG on, missing infrastructure falls back to the embedded defaults used by
`make demo`: SQLite in var/ and Celery's filesystem broker, so nothing needs a server.
With DJANGO_DEBUG off (the default), SECRET_KEY, DATABASE_URL and CELERY_BROKER_URL are required.
Every variable is documented in README.md ("Configuration") and .env.example.
"""

from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

from maestro.lib.env import env_bool, env_int, env_list, env_required, env_secret, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("MAESTRO_VAR_DIR") or BASE_DIR / "var")

DEBUG = env_bool("DJANGO_DEBUG", False)

# --- Security ---
SECRET_KEY = env_secret("DJANGO_SECRET_KEY")
if not SECRET_KEY:
    SECRET_KEY = (
        "django-insecure-embedded-demo-key-never-use-in-production"
        if DEBUG
        else env_required("DJANGO_SECRET_KEY", None)
    )
ALLOWED_HOSTS = env_list(
    "DJANGO_ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]", "testserver"] if DEBUG else []
)
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

# https://docs.djangoproject.com/en/6.0/howto/deployment/checklist/
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", not DEBUG)
SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_HSTS_SECONDS = env_int("DJANGO_SECURE_HSTS_SECONDS", 0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("DJANGO_SECURE_HSTS_PRELOAD", not DEBUG)
BEHIND_TLS_PROXY = env_bool("DJANGO_BEHIND_TLS_PROXY", False)
if BEHIND_TLS_PROXY:
    # Only behind a proxy that sets this header itself; otherwise clients could spoof it.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# How many proxies append to X-Forwarded-For in front of Maestro. The client's address (login
# lockout, throttles) is the entry the outermost trusted proxy appended; without a proxy it is
# REMOTE_ADDR, and X-Forwarded-For, which any client can send, is ignored.
TRUSTED_PROXY_COUNT = env_int("DJANGO_TRUSTED_PROXY_COUNT", 1) if BEHIND_TLS_PROXY else 0
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy on every response (README.md, "Content-Security-Policy"): only the
# site's own scripts, styles, images and fonts; no inline script, style or event handler
# anywhere (pages keep theirs in static/), no plugins, no framing, forms post only here.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
}

# --- Applications ---
INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "axes",
    "maestro.tenancy",
    "maestro.audit",
    "maestro.engagements",
    "maestro.mapping",
    "maestro.training",
    "maestro.playbooks",
    "maestro.decisions",
    "maestro.webhooks",
    "maestro.system",
    "maestro.reviews",
    "maestro.intake",
    "maestro.people",
    "maestro.monitoring",
    "handoff",
    "runbooks",
    # Demo seed data and `seed_demo`: reads every app above, none reads it.
    "maestro.demo",
    # Last: wires the apps above into engagements' hooks (gates, starter runbooks).
    "maestro.composition",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    # 503 + Retry-After instead of 500 when the database cannot take a write in time.
    "maestro.lib.database_busy.DatabaseBusyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # An engagement's pages show moments in its client's zone (client_time_zone_activate).
    "maestro.lib.timezones.TimeZoneResetMiddleware",
    # A page's parts share the reads they have in common (maestro/lib/memo.py).
    "maestro.lib.memo.RequestMemoMiddleware",
    # Last, so it turns a refused log-in into the lockout page (django-axes).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "maestro.urls"
WSGI_APPLICATION = "maestro.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "maestro.reviews.context_processors.review_queue",
            ],
            # pct, points, count, when: one format for figures and moments on every page.
            "builtins": ["maestro.lib.formats"],
        },
    },
]

# --- Database ---
# https://github.com/jazzband/dj-database-url#url-schema
_database_url = env_str("DATABASE_URL")
if not _database_url:
    _database_url = (
        f"sqlite:///{VAR_DIR / 'maestro.sqlite3'}" if DEBUG else env_required("DATABASE_URL", None)
    )
DATABASES = {
    "default": dj_database_url.parse(
        _database_url, conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60), conn_health_checks=True
    )
}
# The embedded database is shared by the web server, the worker's threads and beat: WAL lets
# readers go on while one writes; IMMEDIATE takes the write lock when a transaction starts, so two
# writers queue on the busy timeout (seconds) instead of failing on a lock upgrade.
SQLITE_OPTIONS = {
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update(SQLITE_OPTIONS)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache ---
# https://docs.djangoproject.com/en/stable/topics/cache/
# Shared by every process, web and worker alike: training imports report live progress through
# it, since their own transaction hides it from the database. CACHE_URL=redis://host:6379/1 in
# production; unset, files under $MAESTRO_VAR_DIR/cache, which the processes of one machine share.
_cache_url = env_str("CACHE_URL") or f"file://{VAR_DIR / 'cache'}"
if _cache_url.startswith(("redis://", "rediss://", "unix://")):
    _cache = {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": _cache_url}
elif _cache_url.startswith("file://"):
    _cache = {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": _cache_url.removeprefix("file://"),
    }
else:
    raise ImproperlyConfigured(
        f"CACHE_URL must start with redis://, rediss://, unix:// or file://, got {_cache_url!r}."
    )
CACHES = {"default": {**_cache, "KEY_PREFIX": "maestro"}}

# --- Auth ---
AUTH_USER_MODEL = "tenancy.User"
LOGIN_URL = "login"
# One redirect decides where log-in lands (reviews.views.landing): operators on their queue,
# a sponsor on their engagement's summary, everyone else on the engagement list.
LOGIN_REDIRECT_URL = "reviews:landing"
LOGOUT_REDIRECT_URL = "login"
AUTHENTICATION_BACKENDS = [
    # First: refuses every log-in (page, token, admin) of a locked-out username or address.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Login lockout (django-axes) ---
# https://django-axes.readthedocs.io/en/latest/4_configuration.html
# After LOGIN_FAILURE_LIMIT failed log-ins for one username (from anywhere), or from one client
# address (for any usernames), further log-ins of that username / from that address are refused
# until LOGIN_COOLOFF_MINUTES have passed without a failure. Attempts live in the database.
AXES_ENABLED = True
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_FAILURE_LIMIT = env_int("MAESTRO_LOGIN_FAILURE_LIMIT", 10)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("MAESTRO_LOGIN_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
# A successful log-in does not wipe the failures: it would let anyone with an account clear the
# count of the address they guess other people's passwords from.
AXES_RESET_ON_SUCCESS = False
AXES_CLIENT_IP_CALLABLE = "maestro.lib.client_ip.client_ip"
AXES_LOCKOUT_CALLABLE = "maestro.tenancy.lockout.lockout_response"
AXES_HTTP_RESPONSE_CODE = 429

# --- Internationalisation ---
LANGUAGE_CODE = "en-us"
TIME_ZONE = env_str("DJANGO_TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

# --- Static files ---
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env_str("DJANGO_STATIC_ROOT") or VAR_DIR / "static")
# Uploaded and generated files (training import uploads, handoff PDFs) are read and written
# through STORAGES["default"] only, never a filesystem path, so workers on several hosts can
# share them: local files under DJANGO_MEDIA_ROOT by default; MAESTRO_STORAGE=s3 for an
# S3-compatible object store (django-storages; README, "Configuration").
# https://django-storages.readthedocs.io/en/latest/backends/amazon-S3.html
MAESTRO_STORAGE = env_str("MAESTRO_STORAGE", "filesystem") or "filesystem"
if MAESTRO_STORAGE == "filesystem":
    _default_storage: dict = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
elif MAESTRO_STORAGE == "s3":
    if not env_str("AWS_STORAGE_BUCKET_NAME"):
        raise ImproperlyConfigured("MAESTRO_STORAGE=s3 needs AWS_STORAGE_BUCKET_NAME.")
    _default_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env_str("AWS_STORAGE_BUCKET_NAME"),
            # Unset: AWS itself; set for another S3-compatible store (MinIO, Ceph, R2 …).
            "endpoint_url": env_str("AWS_S3_ENDPOINT_URL") or None,
            "region_name": env_str("AWS_S3_REGION_NAME") or None,
            # Unset: boto3's own chain (instance role, ~/.aws, the standard variables).
            "access_key": env_secret("AWS_ACCESS_KEY_ID") or None,
            "secret_key": env_secret("AWS_SECRET_ACCESS_KEY") or None,
            # A folder inside the bucket, if the bucket is shared.
            "location": env_str("AWS_LOCATION", "") or "",
            # "path" for stores without virtual-host buckets (MinIO); unset: boto3 decides.
            "addressing_style": env_str("AWS_S3_ADDRESSING_STYLE") or None,
            # Private objects; Maestro serves them itself, after its own access checks.
            "default_acl": None,
            "querystring_auth": True,
            # A name already taken gets a suffix, as on the filesystem; nothing is overwritten.
            "file_overwrite": False,
        },
    }
else:
    raise ImproperlyConfigured(
        f"MAESTRO_STORAGE must be filesystem or s3, got {MAESTRO_STORAGE!r}."
    )
STORAGES = {
    "default": _default_storage,
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
MEDIA_ROOT = Path(env_str("DJANGO_MEDIA_ROOT") or VAR_DIR / "media")
MEDIA_URL = "media/"

# --- REST framework ---
# Largest request body read into memory. The decision intake takes batches of 1,000 decisions
# (payloads up to 16 KiB each, usually far less); bigger bodies answer 413.
# https://docs.djangoproject.com/en/stable/ref/settings/#data-upload-max-memory-size
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DJANGO_DATA_UPLOAD_MAX_MEMORY_SIZE", 10 * 1024 * 1024)
# Deepest nesting of arrays/objects accepted in a JSON body or a JSON line of an import
# (`{"a": 1}` is 1 level). Deeper is a 400 `json_too_deep`, checked before parsing: Python's
# parser recurses once per level. Decision payloads and case inputs have room to spare.
JSON_MAX_DEPTH = env_int("MAESTRO_JSON_MAX_DEPTH", 64)
# Uploaded files (training imports): the most one request's files may hold, in bytes. A bigger
# upload is dropped as it streams in, before any of it is stored, and refused with a clear
# message (API: 400 on the file's field). The first handler enforces it; Django's own keep the file.
MAESTRO_UPLOAD_MAX_BYTES = env_int("MAESTRO_UPLOAD_MAX_BYTES", 20 * 1024 * 1024)
FILE_UPLOAD_HANDLERS = [
    "maestro.lib.uploads.UploadLimitHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
# The most rows one training import takes (cases or agent outputs); a longer file is refused.
MAESTRO_IMPORT_MAX_ROWS = env_int("MAESTRO_IMPORT_MAX_ROWS", 200_000)
REST_FRAMEWORK = {
    # Views with their own parser_classes must take these (see TokenObtainApi).
    "DEFAULT_PARSER_CLASSES": [
        "maestro.lib.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        # Answers 400 when a file is over MAESTRO_UPLOAD_MAX_BYTES (maestro/lib/uploads.py).
        "maestro.lib.uploads.MultiPartParser",
    ],
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first: an anonymous API call then gets 401 with a WWW-Authenticate header.
        "maestro.tenancy.auth.ExpiringTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    # A person (IsAuthenticated), and a 403 `agent_key_not_allowed` for an agent API key: keys
    # only post decisions and outcomes (their views set their own authentication).
    "DEFAULT_PERMISSION_CLASSES": ["maestro.decisions.auth.IsPerson"],
    "DEFAULT_PAGINATION_CLASS": "maestro.api.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        "maestro.lib.filters.FilterBackend",
        "rest_framework.filters.SearchFilter",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "maestro.api.exception_handler",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    # Counted in the shared cache (CACHES), so every web process sees the same counts; over the
    # rate, 429 with Retry-After. Agent API views use the `agent` scope instead of `user`.
    "DEFAULT_THROTTLE_CLASSES": [
        "maestro.lib.throttling.UserThrottle",
        "maestro.lib.throttling.AnonThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        # Per person (session or token).
        "user": env_str("MAESTRO_THROTTLE_USER", "1200/min"),
        # Per client address, calls without credentials (the token endpoint, the schema).
        "anon": env_str("MAESTRO_THROTTLE_ANON", "60/min"),
        # Per agent API key; a batch of decisions counts once.
        "agent": env_str("MAESTRO_THROTTLE_AGENT", "6000/min"),
        # Per client address, wrong agent API keys and API tokens; over it every key or token
        # call from that address answers 429 until the window has passed.
        "bad_credentials": env_str("MAESTRO_THROTTLE_BAD_CREDENTIALS", "20/min"),
    },
}
# Lifetime of a person's API token (POST /api/auth/token/); an older token answers 401
# `token_expired`. POST /api/auth/token/rotate/ swaps a live one for a new one.
API_TOKEN_LIFETIME = timedelta(days=env_int("MAESTRO_API_TOKEN_LIFETIME_DAYS", 30))
# How long an invitation's link works after it was (last) sent; re-sending starts it again
# with a new link and kills the old one (maestro.people).
INVITATION_LIFETIME = timedelta(days=env_int("MAESTRO_INVITATION_LIFETIME_DAYS", 7))
SPECTACULAR_SETTINGS = {
    "TITLE": "Maestro API",
    "DESCRIPTION": (
        "The operating system of an AI-agent engagement: clients, engagements and their "
        "lifecycle. Authenticate with a session cookie or `Authorization: Token <key>` "
        "(POST /api/auth/token/; a token expires after its lifetime, POST /api/auth/token/rotate/ "
        "replaces it). Another client's objects answer 404. Every operation is rate-limited "
        "(per person, per agent API key, per address without credentials): over the rate, 429 "
        "`throttled` with Retry-After.\n\n"
        '**Conventions** (README, "API conventions"). *Shares* — accuracy, per-category '
        "accuracy and minimums, target accuracy, thresholds, confidence, rates and shares — "
        "are fractions from 0 to 1 written as decimal strings with 4 places, in answers and "
        'in requests: `"0.8500"` is 85% (a request may send fewer places, `"0.85"`, or a JSON '
        "number; a field that keeps fewer places says so). *202 Accepted* answers a job (import, "
        "dry run, webhook delivery) with its `status_url` and a `Location` header naming the "
        "same URL: poll it (GET) for the status, then the result or the errors. *Uploads*: "
        "what the request gets wrong (no file, an empty or oversized one, a file type or "
        "`format` Maestro does not import) is a 400 at once on its field, nothing stored; what "
        "the rows get wrong, the job reports (`status` failed, `errors` by line). *Agent API "
        "keys* only post decisions and outcomes; anywhere else a key is a 403 "
        "`agent_key_not_allowed`."
    ),
    "VERSION": "1.0.0",
    # Swagger UI from the site's own static files (drf-spectacular-sidecar), not a CDN: the
    # Content-Security-Policy allows scripts and styles from 'self' only.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    # No badge image from the online validator.
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "maestro.lib.openapi.error_responses_hook",
        "maestro.lib.openapi.accepted_responses_hook",
    ],
    # One name for the lifecycle's phases wherever they appear (phase, from_phase, to_phase).
    "ENUM_NAME_OVERRIDES": {
        "PhaseEnum": "maestro.engagements.models.Phase",
        "StepKindEnum": "maestro.mapping.models.Step.Kind",
        "RunbookStatusEnum": "runbooks.models.Runbook.Status",
        "RunbookKindEnum": "runbooks.models.Runbook.Kind",
        "RunbookRunStatusEnum": "runbooks.models.RunbookRun.Status",
        "ReviewTaskKindEnum": "maestro.reviews.models.ReviewTask.Kind",
        "ReviewTaskStatusEnum": "maestro.reviews.models.ReviewTask.Status",
        "ReviewTaskEventKindEnum": "maestro.reviews.models.ReviewTaskEvent.Kind",
        "WebhookEventEnum": "maestro.webhooks.models.WebhookEvent",
        "WebhookDeliveryStatusEnum": "maestro.webhooks.models.WebhookDelivery.Status",
        "WebhookSubscribableEventEnum": "maestro.webhooks.models.SUBSCRIBABLE_EVENT_CHOICES",
        "AlertRuleKindEnum": "maestro.monitoring.models.AlertRule.Kind",
        "AlertEpisodeStateEnum": "maestro.monitoring.models.AlertEpisode.State",
        "StanceEnum": "maestro.engagements.models.Engagement.Stance",
        "SkillStageEnum": "handoff.models.Stage",
        # A sign-off's role (sponsor/operator) shares the field name with a membership's.
        "RoleEnum": "maestro.tenancy.models.Membership.Role",
        "HandoffSignOffRoleEnum": "handoff.models.HandoffSignOff.Role",
    },
}

# --- Celery ---
# https://docs.celeryq.dev/en/stable/userguide/configuration.html
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL")
CELERY_BROKER_TRANSPORT_OPTIONS: dict = {}
if not CELERY_BROKER_URL:
    if not DEBUG:
        CELERY_BROKER_URL = env_required("CELERY_BROKER_URL", None)
    # Embedded default: kombu's filesystem transport, a folder of message files; no server.
    CELERY_BROKER_URL = "filesystem://"
if CELERY_BROKER_URL.startswith("filesystem://"):
    _queue_dir = Path(env_str("MAESTRO_BROKER_DIR") or VAR_DIR / "broker")
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue_dir),
        "data_folder_out": str(_queue_dir),
        # Fanout bindings (worker remote control); kombu's default is ./control in the cwd.
        "control_folder": str(_queue_dir.with_name(f"{_queue_dir.name}-control")),
        "store_processed": False,
    }
    # Producers (web) and consumers (worker) both need the folder; neither creates it.
    _queue_dir.mkdir(parents=True, exist_ok=True)
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 60)
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 120)
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TIMEZONE = TIME_ZONE
# Task modules autodiscovery misses (it imports each app's `tasks.py` only).
CELERY_IMPORTS = ["maestro.monitoring.tasks_weekly", "handoff.tasks_documents"]
# The handoff PDF is made on its own queue, by a worker of its own (README, "Handoff PDF"):
#   celery -A maestro worker -Q pdf --pool=prefork --concurrency=1 --max-memory-per-child=...
# Every other task stays on the default queue.
CELERY_TASK_ROUTES = {
    "handoff.tasks_documents.handoff_document_generate_task": {"queue": "pdf"},
}

# --- Email ---
# Review-task escalations mail the new assignee. Debug default: printed to the console.
# https://docs.djangoproject.com/en/stable/topics/email/#smtp-backend
EMAIL_BACKEND = env_str(
    "DJANGO_EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = env_str("DJANGO_EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("DJANGO_EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("DJANGO_EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_secret("DJANGO_EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("DJANGO_EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("DJANGO_DEFAULT_FROM_EMAIL", "maestro@localhost")
# Where people reach Maestro, for the links in its mail ("Open it in Maestro: …"). Without it
# the mail gives the page's path only.
SITE_URL = (env_str("MAESTRO_SITE_URL", "http://127.0.0.1:8000" if DEBUG else "") or "").rstrip("/")

# --- Webhooks ---
# Outbound webhooks (README.md, "Webhooks"). Without the flag, a URL whose host is or resolves
# to a private, loopback, link-local or reserved address is refused when sending (SSRF guard).
WEBHOOKS_ALLOW_PRIVATE_HOSTS = env_bool("WEBHOOKS_ALLOW_PRIVATE_HOSTS", DEBUG)
# Seconds for the connect and for each read of one attempt.
WEBHOOKS_TIMEOUT_SECONDS = env_int("WEBHOOKS_TIMEOUT_SECONDS", 5)
# Attempts per delivery before it is failed; retry n waits base × 2^(n-1) s (+ up to 20%).
WEBHOOKS_MAX_ATTEMPTS = env_int("WEBHOOKS_MAX_ATTEMPTS", 6)
WEBHOOKS_RETRY_BASE_SECONDS = env_int("WEBHOOKS_RETRY_BASE_SECONDS", 30)

# --- Runbooks ---
# A runbook body is rendered once, when a version is saved (and for the editor's preview), in
# a child process stopped after this many seconds (runbooks.guard): the save is refused with
# code `render_too_slow` instead of stalling a web process.
RUNBOOK_RENDER_TIME_LIMIT = env_int("RUNBOOK_RENDER_TIME_LIMIT", 10)

# --- Handoff PDF ---
# Limits of one generation (README, "Handoff PDF"); a document over one fails with a message
# naming it, and the next generation is unaffected. Checked before gathering: the published
# runbooks' text, printed in full (characters).
HANDOFF_PDF_MAX_RUNBOOK_CHARS = env_int("HANDOFF_PDF_MAX_RUNBOOK_CHARS", 2_000_000)
# Checked once the sections are gathered, before WeasyPrint: the rows gathered (items of the
# lists in the data attached to the PDF: table rows, chart points …) and the HTML's size.
HANDOFF_PDF_MAX_ROWS = env_int("HANDOFF_PDF_MAX_ROWS", 50_000)
HANDOFF_PDF_MAX_HTML_BYTES = env_int("HANDOFF_PDF_MAX_HTML_BYTES", 10 * 1024 * 1024)
# The render (HTML to PDF) runs in a child process of the worker: stopped after this many
# seconds (below the task's own soft limit, HandoffDocument.SOFT_TIME_LIMIT = 100 s), and
# bounded to this much address space (RLIMIT_AS, MB; the child starts at about 150 MB; 0 = no
# bound).
HANDOFF_PDF_RENDER_TIME_LIMIT = env_int("HANDOFF_PDF_RENDER_TIME_LIMIT", 80)
HANDOFF_PDF_RENDER_MEMORY_MB = env_int("HANDOFF_PDF_RENDER_MEMORY_MB", 1024)
# `seed_demo` ends by generating and signing the demo's handoff PDF (a few seconds). The test
# settings turn it off: most tests seed the demo for something else; tests/demo turns it on.
MAESTRO_DEMO_HANDOFF_PDF = True

# --- Logging ---
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("DJANGO_LOG_LEVEL", "INFO")},
    # WeasyPrint logs a line per page laid out (the handoff PDF); its warnings still show.
    "loggers": {"weasyprint.progress": {"level": "WARNING"}},
}
