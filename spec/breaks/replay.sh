#!/usr/bin/env bash
# Replays the deliberate breaks listed in spec/breaks/breaks.txt: for each break, in a scratch copy
# of the checkout's HEAD, apply its edits, build, run the specs it names, and check that every one of
# them fails. A named spec that still passes means the spec cannot see that break: "survived".
#
#   spec/breaks/replay.sh                 every break in the list
#   spec/breaks/replay.sh ID ...          only these
#   options: --list FILE (another list), --keep (leave the scratch copy), --no-baseline (skip the
#            check that the named specs pass on the unbroken code), --timeout SECONDS (per spec run),
#            --check (only check that every edit still applies to HEAD: seconds, no build)
#
# Needs bash, git, coreutils, awk and the .NET SDK. Exit code: 0 when every break was killed;
# 1 when any survived or could not be applied, built or run (each named on its own line).
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(git -C "$here" rev-parse --show-toplevel)
list=$here/breaks.txt
keep=false baseline=true timeout_s=900 check_only=false
ids=()
while [ $# -gt 0 ]; do
  case $1 in
    --list) list=$(realpath "$2"); shift 2 ;;
    --keep) keep=true; shift ;;
    --no-baseline) baseline=false; shift ;;
    --check) check_only=true; shift ;;
    --timeout) timeout_s=$2; shift 2 ;;
    -h|--help) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "replay.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
    *) ids+=("$1"); shift ;;
  esac
done
[ -f "$list" ] || { echo "replay.sh: no list at $list" >&2; exit 2; }

# ---- the list: blocks that start with [id]; "key: value" lines; # comments --------------------
# Per break: what (one line), one or more edits (file, then find, then replace, in that order),
# fail (one line per spec that must fail, as Class.Method), and optionally clean (a path glob under
# the scratch copy, deleted before the build, e.g. build outputs a break must regenerate).
declare -a order=()
declare -A what=() fails=() edits=() cleans=() edit_file_of=() edit_find_of=() edit_replace_of=()
current="" edit_file="" edit_find="" have_find=false line_no=0
list_error() { echo "replay.sh: $list line $line_no: $1" >&2; exit 2; }
while IFS= read -r line || [ -n "$line" ]; do
  line_no=$((line_no + 1))
  case $line in ''|'#'*) continue ;; esac
  if [[ $line =~ ^\[([A-Za-z0-9_.-]+)\]$ ]]; then
    current=${BASH_REMATCH[1]}
    [ -n "${what[$current]+x}" ] && list_error "break '$current' appears twice"
    order+=("$current"); what[$current]=""; fails[$current]=""; edits[$current]=0; cleans[$current]=""
    edit_file="" have_find=false
    continue
  fi
  [ -n "$current" ] || list_error "a line before the first [id]"
  [[ $line =~ ^([a-z]+):( (.*))?$ ]] || list_error "not 'key: value'"
  key=${BASH_REMATCH[1]} value=${BASH_REMATCH[3]}
  case $key in
    what) what[$current]=$value ;;
    file) edit_file=$value; have_find=false ;;
    find) [ -n "$edit_file" ] || list_error "find before file"; edit_find=$value; have_find=true ;;
    replace)
      $have_find || list_error "replace without find"
      n=${edits[$current]}
      edit_file_of[$current:$n]=$edit_file; edit_find_of[$current:$n]=$edit_find; edit_replace_of[$current:$n]=$value
      edits[$current]=$((n + 1)); have_find=false ;;
    fail) fails[$current]+="$value"$'\n' ;;
    clean) cleans[$current]+="$value"$'\n' ;;
    *) list_error "unknown key '$key'" ;;
  esac
done < "$list"
for id in "${order[@]}"; do
  [ "${edits[$id]}" -gt 0 ] || { echo "replay.sh: break '$id' has no edit" >&2; exit 2; }
  [ -n "${fails[$id]}" ] || { echo "replay.sh: break '$id' names no spec that must fail" >&2; exit 2; }
done
if [ ${#ids[@]} -eq 0 ]; then ids=("${order[@]}"); fi
for id in "${ids[@]}"; do [ -n "${what[$id]+x}" ] || { echo "replay.sh: no break '$id' in $list" >&2; exit 2; }; done

# ---- the scratch copy ------------------------------------------------------------------------
started=$(date +%s)
scratch=$(mktemp -d "${TMPDIR:-/tmp}/xnorspec-breaks.XXXXXX")
results=$scratch.results
mkdir -p "$results"
cleanup() {
  if $keep; then echo "scratch copy kept: $scratch (logs: $results)"; else rm -rf "$scratch"; fi
  if $check_only; then rm -rf "$results"; fi
}
trap cleanup EXIT
commit=$(git -C "$root" rev-parse --short HEAD)
echo "replaying ${#ids[@]} break(s) from ${list#"$root"/} on $commit in $scratch; logs in $results"
[ -z "$(git -C "$root" status --porcelain --untracked-files=no)" ] \
  || echo "note: the checkout has uncommitted changes; the breaks are replayed on HEAD ($commit), without them"
git -C "$root" archive HEAD | tar -x -C "$scratch"
cd "$scratch" || exit 2

# Applies break $1's edits in order; sets touched (the files changed) and problem (empty when all applied).
apply_edits() {
  local id=$1 n file find replace content rest count
  touched=() problem=""
  for ((n = 0; n < ${edits[$id]}; n++)); do
    file=${edit_file_of[$id:$n]} find=${edit_find_of[$id:$n]} replace=${edit_replace_of[$id:$n]}
    if [ ! -f "$file" ]; then problem="edit $((n + 1)): no file $file"; return; fi
    content=$(cat "$file"; printf x); content=${content%x}
    rest=${content//"$find"/}
    count=$(( (${#content} - ${#rest}) / ${#find} ))
    if [ "$count" -ne 1 ]; then problem="edit $((n + 1)): the text to find occurs $count times in $file (must be once): $find"; return; fi
    printf '%s' "${content/"$find"/"$replace"}" > "$file"
    touched+=("$file")
  done
}
restore() { local f; for f in "$@"; do git -C "$root" show "HEAD:$f" > "$scratch/$f"; done; }
declare -A verdict=() detail=()

if $check_only; then
  errors=0
  for id in "${ids[@]}"; do
    apply_edits "$id"; restore "${touched[@]}"
    if [ -n "$problem" ]; then echo "error     $id: $problem"; errors=$((errors + 1)); else echo "applies   $id"; fi
  done
  echo "${#ids[@]} breaks: $(( ${#ids[@]} - errors )) apply, $errors errors"
  [ $errors -eq 0 ]; exit
fi

build() { dotnet build spec/XnorSpec.Spec/XnorSpec.Spec.csproj -nologo -v q "$@" > "$results/$log_name.build.log" 2>&1; }
log_name=baseline
echo "== building the unbroken copy (restores packages and copies libtorch the first time)"
if ! build; then tail -n 30 "$results/baseline.build.log"; echo "the unbroken copy does not build"; exit 1; fi

# Runs the specs named in $1 (newline-separated Class.Method) and prints "Class.Method<TAB>outcome"
# for each: failed when at least one of its cases failed, passed when all its cases passed, missing
# when the run has no result for it (wrong name, or the test host died).
run_specs() {
  local names=$1 name filter="" trx=$results/$log_name.trx status
  while IFS= read -r name; do
    [ -n "$name" ] && filter+="${filter:+|}FullyQualifiedName~$name"
  done <<<"$names"
  rm -f "$trx"
  timeout --kill-after=30 "$timeout_s" dotnet test spec/XnorSpec.Spec/XnorSpec.Spec.csproj --no-build --nologo \
    --filter "$filter" --logger "trx;LogFileName=$log_name.trx" --results-directory "$results" > "$results/$log_name.test.log" 2>&1
  status=$?
  [ $status -eq 124 ] || [ $status -eq 137 ] && echo "timed out after ${timeout_s} s" >> "$results/$log_name.test.log"
  # The TRX writer puts each element on its own line: UnitTestResult (testId, testName, outcome),
  # then the UnitTest definitions (id) with their TestMethod (className). Theory cases whose data xUnit
  # cannot serialise share one testId, so results are kept one per line, not one per id.
  local table=""
  [ -f "$trx" ] && table=$(awk '
    function attr(s, key,   m) { if (match(s, " " key "=\"[^\"]*\"")) return substr(s, RSTART + length(key) + 3, RLENGTH - length(key) - 4); return "" }
    /<UnitTestResult / { k++; test[k] = attr($0, "testId"); outcome[k] = attr($0, "outcome"); name[k] = attr($0, "testName") }
    /<UnitTest /       { id = attr($0, "id") }
    /<TestMethod /     { class[id] = attr($0, "className") }
    END { for (i = 1; i <= k; i++) print class[test[i]] "\t" name[i] "\t" outcome[i] }' "$trx")
  while IFS= read -r name; do
    [ -n "$name" ] || continue
    local cls=${name%.*} method=${name##*.}
    local sentence=${method//_/ }
    # A result belongs to Class.Method when its class ends with .Class and its name is the method,
    # as a name or a sentence, with or without the class in front and theory arguments behind.
    local outcomes
    outcomes=$(awk -F'\t' -v cls="$cls" -v m="$method" -v s="$sentence" '
      function is(n, x) { return n == x || index(n, x "(") == 1 }
      { c = $1; n = $2; if (index(n, c ".") == 1) n = substr(n, length(c) + 2)
        if ((c == cls || substr(c, length(c) - length(cls)) == "." cls) && (is(n, m) || is(n, s))) print $3 }' <<<"$table")
    if [ -z "$outcomes" ]; then echo -e "$name\tmissing"
    elif grep -qx Failed <<<"$outcomes"; then echo -e "$name\tfailed"
    elif grep -qvx Passed <<<"$outcomes"; then echo -e "$name\t$(grep -vx Passed <<<"$outcomes" | sort -u | tr '\n' ' ')"
    else echo -e "$name\tpassed"; fi
  done <<<"$names"
}

# ---- baseline: every named spec must pass on the unbroken code, or its breaks prove nothing ----
declare -A broken_unbroken=()
if $baseline; then
  all=$(for id in "${ids[@]}"; do printf '%s' "${fails[$id]}"; done | sort -u)
  echo "== baseline: the $(grep -c . <<<"$all") named specs on the unbroken code"
  while IFS=$'\t' read -r name outcome; do
    if [ "$outcome" != passed ]; then broken_unbroken[$name]=$outcome; echo "   $name: $outcome (unbroken)"; fi
  done < <(run_specs "$all")
  [ ${#broken_unbroken[@]} -eq 0 ] && echo "   all pass"
fi

# ---- the breaks --------------------------------------------------------------------------------
for id in "${ids[@]}"; do
  log_name=$id
  t0=$(date +%s)
  echo "== [$id] ${what[$id]}"
  apply_edits "$id"
  if [ -z "$problem" ]; then
    while IFS= read -r pattern; do
      [ -n "$pattern" ] || continue
      # shellcheck disable=SC2086 # the pattern is a glob on purpose
      for path in $pattern; do [ -e "$path" ] && rm -rf "$path"; done
    done <<<"${cleans[$id]}"
    build --no-restore || problem="does not build with the break applied: $(grep -m1 -E 'error' "$results/$id.build.log")"
  fi
  if [ -n "$problem" ]; then
    verdict[$id]=error; detail[$id]=$problem
  else
    survivors="" missing="" excused=""
    while IFS=$'\t' read -r name outcome; do
      if [ -n "${broken_unbroken[$name]+x}" ]; then excused+=" $name"
      elif [ "$outcome" = passed ]; then survivors+=" $name"
      elif [ "$outcome" != failed ]; then missing+=" $name ($outcome)"; fi
    done < <(run_specs "${fails[$id]}")
    if [ -n "$survivors" ]; then verdict[$id]=survived; detail[$id]="still passes:$survivors"
    elif [ -n "$missing$excused" ]; then verdict[$id]=error
      detail[$id]="${missing:+no failure recorded:$missing}${excused:+ fails unbroken too:$excused}"
    else verdict[$id]=killed; detail[$id]="$(grep -c . <<<"${fails[$id]}") of $(grep -c . <<<"${fails[$id]}") named specs failed"; fi
    grep -q "Test host process crashed" "$results/$id.test.log" && detail[$id]+=" (the test host crashed)"
    grep -q "^timed out after" "$results/$id.test.log" && detail[$id]+=" (timed out)"
  fi
  restore "${touched[@]}"
  echo "   ${verdict[$id]}: ${detail[$id]} ($(( $(date +%s) - t0 )) s)"
done
# Leave the scratch build unbroken, for --keep.
log_name=final; build --no-restore

# ---- summary -----------------------------------------------------------------------------------
echo
echo "== results ($commit, $(( ($(date +%s) - started) / 60 )) min)"
killed=0 survived=0 errors=0
for id in "${ids[@]}"; do
  printf '%-9s %-34s %s\n' "${verdict[$id]}" "$id" "${detail[$id]}"
  case ${verdict[$id]} in killed) killed=$((killed + 1)) ;; survived) survived=$((survived + 1)) ;; *) errors=$((errors + 1)) ;; esac
done
echo "${#ids[@]} breaks: $killed killed, $survived survived, $errors errors"
[ $survived -eq 0 ] && [ $errors -eq 0 ]
