# Source on the device machine (a bare CUDA image with torch and triton, no duckdb, no network):
#   source runners/device_env.sh [build]
# Puts this repository's root on PYTHONPATH (kinetics_sql.runners and kinetics_sql.facts need only the
# standard library, numpy and torch; the check below fails if the warehouse's duckdb would be imported),
# installs the carried wheels (.whl/*.whl: gguf, diskcache) when there are any, and with "build" builds
# llama-cpp-python with CUDA for sm_90 from a carried trimmed sdist (.whl/llama_cpp_python-*-trim.tar.gz).
# Installs land in /tmp/devsite (kept while the machine stays warm).
R=$(pwd)
[ -x /usr/local/cuda/bin/nvcc ] && export PATH="$PATH:/usr/local/cuda/bin" CUDACXX=/usr/local/cuda/bin/nvcc
D=/tmp/devsite
mkdir -p "$D"
if ls .whl/*.whl >/dev/null 2>&1 && [ ! -f "$D/.wheels" ]; then
  python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --target "$D" .whl/*.whl && touch "$D/.wheels" || return 1
fi
if [ -f .whl/tokenizer.json.gz ] && [ ! -f /tmp/tokenizer.json ]; then gunzip -c .whl/tokenizer.json.gz > /tmp/tokenizer.json; fi
[ -f /tmp/tokenizer.json ] && export KINETICS_TOKENIZER_JSON=/tmp/tokenizer.json
export PYTHONPATH="$R:$D${PYTHONPATH:+:$PYTHONPATH}"
export PYTHONUNBUFFERED=1
python3 -c "import kinetics_sql.runners.records, sys; assert 'duckdb' not in sys.modules, 'runners import duckdb'" \
  || return 1
if [ "$1" = "build" ] && [ ! -d "$D/llama_cpp" ]; then
  ( rm -rf /tmp/llsrc && mkdir /tmp/llsrc && tar xzf "$R"/.whl/llama_cpp_python-*-trim.tar.gz -C /tmp/llsrc \
    && CMAKE_ARGS="-DGGML_CUDA=on -DCMAKE_CUDA_ARCHITECTURES=90 -DLLAVA_BUILD=off -DGGML_NATIVE=on" \
       CMAKE_BUILD_PARALLEL_LEVEL=16 python3 -m pip install -q --no-index --no-deps --no-build-isolation \
       --no-cache-dir --target "$D" /tmp/llsrc/llama_cpp_python-* > /tmp/llbuild.log 2>&1 ) \
    || { tail -40 /tmp/llbuild.log; return 1; }
fi
