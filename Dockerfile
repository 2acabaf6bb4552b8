# The image for web, worker and beat in docker-compose.yml.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 VAR_DIR=/app/var
WORKDIR /app
COPY pyproject.toml README.md ./
COPY config config
COPY registry registry
COPY tracker tracker
COPY api api
COPY templates templates
COPY manage.py ./
RUN pip install --no-cache-dir . \
    && SECRET_KEY=build-only DEBUG=0 python manage.py collectstatic --no-input \
    && useradd --system --home /app tracker && mkdir -p /app/var && chown -R tracker /app/var
USER tracker
EXPOSE 8000
CMD ["gunicorn", "-c", "config/gunicorn.py", "config.wsgi"]
