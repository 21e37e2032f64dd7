# Sourced by ./kaji and .ci/run: kaji_find_jdk prints the home of a JDK >= 21 or explains what is missing.
# Order: $JAVA_HOME, the java on PATH, then every JDK under /usr/lib/jvm (newest first).

kaji_jdk_major() { # $1 = JDK home; prints its feature version, or nothing
  local release="$1/release" v
  [[ -x "$1/bin/java" && -x "$1/bin/javac" ]] || return 0
  if [[ -f "$release" ]]; then
    v="$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$release")"
  else
    v="$("$1/bin/java" -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -n1)"
  fi
  echo "$v"
}

kaji_find_jdk() {
  local candidates=() c major
  [[ -n "${JAVA_HOME:-}" ]] && candidates+=("$JAVA_HOME")
  if command -v java >/dev/null 2>&1; then
    candidates+=("$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")")
  fi
  if [[ -d /usr/lib/jvm ]]; then
    while IFS= read -r c; do candidates+=("$c"); done < <(ls -d /usr/lib/jvm/*/ 2>/dev/null | sed 's#/$##' | sort -rV)
  fi
  for c in "${candidates[@]}"; do
    major="$(kaji_jdk_major "$c")"
    if [[ -n "$major" && "$major" -ge 21 ]]; then
      echo "$c"
      return 0
    fi
  done
  echo "kaji: no JDK 21 or newer found (looked at \$JAVA_HOME, the java on PATH and /usr/lib/jvm)." >&2
  echo "kaji: install one, e.g. 'apt-get install -y openjdk-21-jdk-headless' (or temurin-21-jdk), or set JAVA_HOME." >&2
  return 1
}
