# The admission webhook image that `policyguard webhook manifests` deploys (its default --image is
# ghcr.io/policyguard/policyguard:<version>). Build from the repository root:
#   docker build -t ghcr.io/policyguard/policyguard:0.1.0 .
# The project and its dependencies come from the lock (constraints.txt), webhook extra only.
# The manifests run it as user 65532 with a read-only root filesystem and an emptyDir on /tmp;
# nothing here writes anywhere else (no bytecode, HOME and the rule cache under /tmp).

FROM python:3.11.14-slim-bookworm AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_ROOT_USER_ACTION=ignore \
    PYTHONDONTWRITEBYTECODE=1
WORKDIR /src
COPY pyproject.toml setup.py README.md LICENSE constraints.txt ./
COPY policyguard/ policyguard/
COPY rules/ rules/
# PIP_CONSTRAINT also pins the build backend (setuptools) in pip's isolated build environment
RUN python -m venv /opt/policyguard \
    && PIP_CONSTRAINT=/src/constraints.txt /opt/policyguard/bin/pip install --no-cache-dir '.[webhook]' \
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
