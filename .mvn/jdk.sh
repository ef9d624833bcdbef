# Finds a JDK >= 25 for ./ficus and ./mvnw; sourced (POSIX sh), sets and exports JAVA_HOME.
# Order: $JAVA_HOME, the `java` on PATH, then the usual install folders (FICUS_JDK_SEARCH
# replaces that list, space-separated globs). Reads each JDK's
# `release` file instead of starting a JVM, so the search costs a few milliseconds.
ficus_jdk_min=25

ficus_jdk_major() { # $1 = a JDK home; sets v to its feature version and ficus_jdk_version to its full one, or both to nothing (read with the shell alone: no process started)
  v=""; ficus_jdk_version=""
  [ -f "$1/release" ] && [ -x "$1/bin/java" ] || return 0
  while IFS= read -r ficus_line || [ -n "$ficus_line" ]; do
    case $ficus_line in
      JAVA_VERSION=*)
        ficus_line=${ficus_line#JAVA_VERSION=}
        ficus_line=${ficus_line#\"}
        ficus_jdk_version=${ficus_line%\"}
        v=${ficus_line%%[!0-9]*}
        return 0 ;;
    esac
  done < "$1/release"
}

ficus_jdk_ok() { # $1 = a JDK home; true when it is a JDK (javac too) of version >= 25
  ficus_jdk_major "$1"
  [ -n "$v" ] && [ "$v" -ge "$ficus_jdk_min" ] && [ -x "$1/bin/javac" ]
}

ficus_find_jdk() {
  ficus_jdk_looked=""
  if [ -n "${JAVA_HOME-}" ]; then
    if ficus_jdk_ok "$JAVA_HOME"; then export JAVA_HOME; return 0; fi
    ficus_jdk_looked="JAVA_HOME=$JAVA_HOME (${v:-not a JDK})"
  fi
  if p=$(command -v java 2>/dev/null); then
    h=$(readlink -f "$p"); h=${h%/*}; h=${h%/*}
    if ficus_jdk_ok "$h"; then JAVA_HOME=$h; export JAVA_HOME; return 0; fi
    ficus_jdk_looked="${ficus_jdk_looked:+$ficus_jdk_looked, }PATH java=$p (${v:-unknown version})"
  fi
  best=""; best_v=0
  case $- in *f*) ficus_noglob=1 ;; *) ficus_noglob="" ;; esac
  set +f # the caller (mvnw) may have turned globbing off
  ficus_jdk_dirs=${FICUS_JDK_SEARCH:-/usr/lib/jvm/* /usr/java/* /opt/java/* /opt/jdk* ${HOME:-/nonexistent}/.sdkman/candidates/java/* ${HOME:-/nonexistent}/.jdks/*}
  for h in $ficus_jdk_dirs; do
    [ -d "$h" ] || continue
    if ficus_jdk_ok "$h" && [ "$v" -gt "$best_v" ]; then best=$h; best_v=$v; fi
  done
  [ -z "$ficus_noglob" ] || set -f
  if [ -n "$best" ]; then JAVA_HOME=$best; export JAVA_HOME; return 0; fi
  ficus_jdk_looked="${ficus_jdk_looked:+$ficus_jdk_looked, }${FICUS_JDK_SEARCH:-/usr/lib/jvm, /usr/java, /opt/java, /opt/jdk*, ~/.sdkman, ~/.jdks}"
  echo "ficus needs a JDK $ficus_jdk_min or newer (set JAVA_HOME to one); looked in: $ficus_jdk_looked" >&2
  return 1
}
