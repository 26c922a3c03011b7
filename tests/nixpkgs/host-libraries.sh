# Builder of the stand-in's system libraries: the host's own shared libraries, linked
# into $out/lib by name (the stand-in builds run on the host); one the host lacks is
# left out.
set -eu
mkdir -p "$out/lib"
for name in $libraries; do
    found=""
    for dir in /lib/x86_64-linux-gnu /usr/lib/x86_64-linux-gnu /lib/aarch64-linux-gnu \
        /usr/lib/aarch64-linux-gnu /lib64 /usr/lib64 /lib /usr/lib; do
        if [ -e "$dir/$name" ]; then
            found="$dir/$name"
            break
        fi
    done
    if [ -n "$found" ]; then
        ln -s "$found" "$out/lib/$name"
    fi
done
