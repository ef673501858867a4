exports.handler = async (event) => ({ ok: true, n: event.Records?.length ?? 0 });
