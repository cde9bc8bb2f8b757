# session-guard for CI systems without Python: `guard` and git on Python slim.
#
#   docker build -t session-guard .
#   docker run --rm -v "$PWD:/repo" session-guard audit --base origin/main --head HEAD
#
# The wheel is built from this checkout in a first stage, so the image holds the
# installed package and not the source tree or the build tools.
FROM python:3.12-slim AS build
COPY . /src
RUN pip wheel --no-cache-dir --no-deps --wheel-dir /wheels /src

FROM python:3.12-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends git \
    && rm -rf /var/lib/apt/lists/*
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir /wheels/*.whl && rm -rf /wheels
# A CI checkout mounted into the container belongs to another user than the one the
# container runs as, and git refuses such a repository ("dubious ownership").
RUN git config --system --add safe.directory '*'
WORKDIR /repo
ENTRYPOINT ["guard"]
CMD ["--help"]
