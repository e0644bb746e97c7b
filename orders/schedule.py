BEAT_SCHEDULE = {
    "orders-expire-reservations": {
        "task": "orders.tasks.order_reservations_expire",
        "schedule": 60.0,
    },
}
