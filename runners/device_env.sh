# Source on the device machine (a bare CUDA image with torch but no llama-cpp-python, gguf or duckdb):
#   source runners/device_env.sh [build]
# Installs the carried wheels (.whl/*.whl: gguf, diskcache), makes a minimal kinetics_sql package
# (catalog, errors, data, runners: the runners need nothing else) and, with "build", builds
# llama-cpp-python with CUDA for sm_90 from the carried trimmed sdist. Everything lands in
# build/devsite/ (git-ignored), which a warm machine keeps between calls, so each step runs once.
R=$(pwd)
[ -x /usr/local/cuda/bin/nvcc ] && export PATH="$PATH:/usr/local/cuda/bin" CUDACXX=/usr/local/cuda/bin/nvcc
D=$R/build/devsite  # build/ is in .gitignore: the device keeps it between calls
mkdir -p "$D/site" "$D/shim/kinetics_sql"
if [ ! -d "$D/site/gguf" ]; then
  python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --target "$D/site" .whl/*.whl || return 1
fi
if [ ! -f "$D/tokenizer.json" ]; then gunzip -c .whl/tokenizer.json.gz > "$D/tokenizer.json"; fi
if [ ! -e "$D/shim/kinetics_sql/runners" ]; then
  touch "$D/shim/kinetics_sql/__init__.py"
  ln -sf "$R/kinetics_sql/catalog.py" "$R/kinetics_sql/errors.py" "$R/kinetics_sql/data" "$D/shim/kinetics_sql/"
  ln -sf "$R/runners" "$D/shim/kinetics_sql/runners"
fi
export PYTHONPATH="$D/shim:$D/site${PYTHONPATH:+:$PYTHONPATH}"
export KINETICS_TOKENIZER_JSON="$D/tokenizer.json"
export PYTHONUNBUFFERED=1 PYTHONSAFEPATH=1  # keep the repo root (kinetics_sql needs duckdb) off sys.path
if [ "$1" = "build" ] && [ ! -d "$D/site/llama_cpp" ]; then
  ( cd "$D" && rm -rf src && mkdir src && tar xzf "$R"/.whl/llama_cpp_python-*-trim.tar.gz -C src \
    && CMAKE_ARGS="-DGGML_CUDA=on -DCMAKE_CUDA_ARCHITECTURES=90 -DLLAVA_BUILD=off -DGGML_NATIVE=on" \
       CMAKE_BUILD_PARALLEL_LEVEL=16 python3 -m pip install -q --no-index --no-deps --no-build-isolation \
       --no-cache-dir --target "$D/site" src/llama_cpp_python-* > "$D/build.log" 2>&1 ) \
    || { tail -40 "$D/build.log"; return 1; }
fi
