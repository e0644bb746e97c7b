#!/bin/bash
# The streaming replica: on first start, copy the primary (pg_basebackup -R writes the
# standby settings), then run as a hot standby that answers reads.
set -euo pipefail
if [ ! -s "$PGDATA/PG_VERSION" ]; then
    mkdir -p "$PGDATA"
    chown postgres:postgres "$PGDATA"
    chmod 700 "$PGDATA"
    until gosu postgres env PGPASSWORD="$REPLICATION_PASSWORD" pg_basebackup \
        --host=db --username=replicator --pgdata="$PGDATA" \
        --write-recovery-conf --wal-method=stream --checkpoint=fast; do
        echo "waiting for the primary..."
        sleep 2
    done
fi
exec docker-entrypoint.sh postgres -c hot_standby=on
