#!/bin/sh
# Make sure the system packages the assistant and its tests need are present.
# As root, install the missing ones with apt-get; otherwise name them and stop.
#   pulseaudio, pulseaudio-utils, libasound2-plugins: the live sound-server test (a private PulseAudio server
#     with virtual devices; the ALSA pulse plugin lets PortAudio's default device reach it)
#   festival, festvox-kallpc16k, festvox-kdlpc16k, festvox-us-slt-hts, flite: the voice benchmark's other voices
#   bubblewrap: the skill sandbox (with prlimit, from util-linux, which Debian always has)
#   systemd: systemd-analyze, which checks the unit `assistant service install` writes (tests/test_service.py)
#   libspeexdsp1: the echo canceller on the live microphone (assistant.audio.echo, loaded with ctypes)
#   openssl: the self-signed certificate of the HTTPS-endpoint test, and the local CA of the Alexa API server
set -eu
need=""
have_pkg() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }
for pkg in espeak-ng libespeak-ng1 sox libportaudio2 libspeexdsp1 python3-venv \
  pulseaudio pulseaudio-utils libasound2-plugins festival festvox-kallpc16k festvox-kdlpc16k festvox-us-slt-hts flite \
  bubblewrap systemd openssl; do
  case "$pkg" in
    python3-venv) python3 -c 'import venv, ensurepip' 2>/dev/null && continue ;;
  esac
  have_pkg "$pkg" || need="$need $pkg"
done
command -v node >/dev/null 2>&1 || need="$need nodejs"
command -v npm >/dev/null 2>&1 || need="$need npm"
if [ -z "$need" ]; then
  exit 0
fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing system packages:$need"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # shellcheck disable=SC2086
  apt-get install -y -qq $need >/dev/null
else
  echo "The assistant needs these system packages:$need" >&2
  echo "Install them with:  sudo apt-get install$need" >&2
  exit 1
fi
