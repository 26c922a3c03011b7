# Builder of the stand-in fetchgit: the commit's tree, without .git.
set -eu
export HOME="$TMPDIR" GIT_TERMINAL_PROMPT=0
git_() { git -c core.autocrlf=false -c core.eol=lf -c core.symlinks=true -c init.defaultBranch=main "$@"; }
git_ init --quiet "$out"
cd "$out"
git_ fetch --quiet --depth 1 "$url" "$rev"
git_ checkout --quiet --detach FETCH_HEAD
rm -rf .git
