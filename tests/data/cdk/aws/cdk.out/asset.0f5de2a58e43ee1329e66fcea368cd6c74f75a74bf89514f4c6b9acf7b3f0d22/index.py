import os


def handler(event, context):
    return {"bucket": os.environ["DATA_BUCKET"], "records": len(event.get("Records", []))}
