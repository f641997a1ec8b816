"""Entry point: `python app.py` serves the store; gunicorn uses `app:app`."""

import os

from marketplace.web import create_app

app = create_app()

if __name__ == "__main__":
    app.run(host=os.environ.get("HOST", "127.0.0.1"), port=int(os.environ.get("PORT", "5000")),
            debug=os.environ.get("FLASK_DEBUG") == "1", threaded=True)
