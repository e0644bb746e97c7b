BEAT_SCHEDULE = {
    "customers-purge-login-tokens": {
        "task": "customers.tasks.login_tokens_purge",
        "schedule": 3600.0,
    },
}
