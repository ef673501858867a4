# The admission webhook image that `policyguard webhook manifests` deploys (its default --image is
# ghcr.io/policyguard/policyguard:<version>). Build from the repository root:
#   docker build -t ghcr.io/policyguard/policyguard:0.1.0 .
# The project and its dependencies come from the lock (constraints.txt), webhook extra only.
# The manifests run it as user 65532 with a read-only root filesystem and an emptyDir on /tmp;
# nothing here writes anywhere else (no bytecode, HOME and the rule cache under /tmp).

# policyguard_rvm (native/rvm): the compiled Rego VM with guarded builtins, built as a wheel with
# the crates in native/rvm/Cargo.lock; without it the webhook judges everything on the interpreter
FROM rust:1.95.0-slim-bookworm AS rvm
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1 PIP_ROOT_USER_ACTION=ignore
RUN apt-get update \
    && apt-get install -y --no-install-recommends python3=3.11.* python3-venv=3.11.* \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src/native/rvm
COPY native/rvm/ ./
RUN python3 -m venv /opt/build \
    && /opt/build/bin/pip install --no-cache-dir 'maturin==1.16.0' \
    && /opt/build/bin/maturin build --release --locked --out /wheels

FROM python:3.11.14-slim-bookworm AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_ROOT_USER_ACTION=ignore \
    PYTHONDONTWRITEBYTECODE=1
WORKDIR /src
COPY pyproject.toml setup.py README.md LICENSE constraints.txt ./
COPY policyguard/ policyguard/
COPY rules/ rules/
COPY --from=rvm /wheels /wheels
# PIP_CONSTRAINT also pins the build backend (setuptools) in pip's isolated build environment
RUN python -m venv /opt/policyguard \
    && PIP_CONSTRAINT=/src/constraints.txt /opt/policyguard/bin/pip install --no-cache-dir '.[webhook]' /wheels/*.whl \
    && /opt/policyguard/bin/python -c 'import policyguard_rvm' \
    && /opt/policyguard/bin/policyguard --version

FROM python:3.11.14-slim-bookworm
LABEL org.opencontainers.image.title="policyguard webhook" \
      org.opencontainers.image.source="https://github.com/policyguard/policyguard" \
      org.opencontainers.image.licenses="Apache-2.0"
ENV PATH=/opt/policyguard/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    HOME=/tmp \
    TMPDIR=/tmp \
    POLICYGUARD_CACHE_DIR=/tmp/policyguard-cache
COPY --from=build /opt/policyguard /opt/policyguard
USER 65532:65532
EXPOSE 8443
ENTRYPOINT ["policyguard", "serve"]
