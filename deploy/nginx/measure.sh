#!/bin/sh
# Measures N `dojo serve --listen` replicas behind deploy/nginx/dojo.conf
# with dojo-load, all on this machine's loopback: starts the replicas
# (ports 9101..9100+N) and nginx (port 9100, its files in a temporary
# directory), runs dojo-load through nginx with the given flags, and stops
# everything.
#
#   go build -o bin/ ./cmd/dojo ./cmd/dojo-load
#   deploy/nginx/measure.sh bin/dojo bin/dojo-load 2 --sessions 200 --period 10ms --duration 10s
set -eu
if [ $# -lt 3 ]; then
	echo "usage: $0 DOJO DOJO_LOAD REPLICAS [dojo-load flags...]" >&2
	exit 2
fi
dojo=$1
load=$2
n=$3
shift 3
here=$(cd "$(dirname "$0")" && pwd)
dir=$(mktemp -d)
chmod 755 "$dir"
pids=""
cleanup() {
	[ -f "$dir/nginx.pid" ] && kill -QUIT "$(cat "$dir/nginx.pid")" 2>/dev/null || true
	for p in $pids; do kill -TERM "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$dir"
}
trap cleanup EXIT INT TERM

token=${DOJO_TOKEN:-measure-$$}
export DOJO_TOKEN=$token
servers=""
i=1
while [ "$i" -le "$n" ]; do
	port=$((9100 + i))
	"$dojo" serve --listen "127.0.0.1:$port" --log-level warn 2>"$dir/replica-$i.log" &
	pids="$pids $!"
	servers="$servers    server 127.0.0.1:$port;\n"
	i=$((i + 1))
done

# dojo.conf with these replicas, port 9100 and its access log off.
awk -v servers="$servers" '
	/^    server [^;]+;$/ { if (!done) { printf "%s", servers; done = 1 }; next }
	/^    listen 8080;$/ { print "    listen 127.0.0.1:9100;"; next }
	/access_log \/var\/log\/nginx\/dojo-access.log/ { print "    access_log off;"; next }
	{ print }
' "$here/dojo.conf" | sed 's/\\n/\n/g' >"$dir/dojo.conf"
cat >"$dir/nginx.conf" <<CONF
daemon on;
worker_processes auto;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
events { worker_connections 8192; }
http {
    client_body_temp_path $dir/body;
    proxy_temp_path $dir/proxy;
    fastcgi_temp_path $dir/fastcgi;
    uwsgi_temp_path $dir/uwsgi;
    scgi_temp_path $dir/scgi;
    include $dir/dojo.conf;
}
CONF
nginx -t -q -p "$dir" -e "$dir/error.log" -c "$dir/nginx.conf"
nginx -p "$dir" -e "$dir/error.log" -c "$dir/nginx.conf"

# Wait for every replica and nginx to answer.
for port in $(seq 9100 $((9100 + n))); do
	tries=0
	until "$dojo" health --quiet --timeout 1s "http://127.0.0.1:$port/health" 2>/dev/null; do
		tries=$((tries + 1))
		if [ "$tries" -gt 100 ]; then
			echo "$0: nothing answers on port $port" >&2
			cat "$dir"/*.log >&2
			exit 1
		fi
		sleep 0.1
	done
done
"$load" --url ws://127.0.0.1:9100 --quiet "$@"
