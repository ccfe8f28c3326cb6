#!/bin/sh
# Starts one of Kintsugi's processes in the container (see deploy/Dockerfile).
set -eu
cd /app
command="${1:-rasa}"
[ "$#" -gt 0 ] && shift
case "$command" in
  rasa)
    : "${KINTSUGI_ACTION_TOKEN:?KINTSUGI_ACTION_TOKEN must be set (deploy/endpoints.yml sends it)}"
    exec rasa run --model models/kintsugi.tar.gz --enable-api \
      --auth-token "${KINTSUGI_RASA_TOKEN:?KINTSUGI_RASA_TOKEN must be set}" \
      --interface "${KINTSUGI_BIND:-127.0.0.1}" --port "${KINTSUGI_RASA_PORT:-5005}" \
      --endpoints deploy/endpoints.yml \
      --credentials credentials.yml --cors "${KINTSUGI_CORS_ORIGINS:-*}" "$@" ;;
  actions)
    # rasa-sdk behind the shared secret (bot/action_server.py); refuses to start without KINTSUGI_ACTION_TOKEN.
    exec python -m bot.action_server --actions actions --port "${KINTSUGI_ACTION_PORT:-5055}" "$@" ;;
  gateway)
    exec python -m bot.gateway "$@" ;;
  migrate)
    exec kintsugi db upgrade ;;
  *)
    exec "$command" "$@" ;;
esac
