// msgpackr wraps require('msgpackr-extract') in try/catch and uses its JavaScript decoder instead.
throw new Error('msgpackr-extract is not installed in this project (see vendor/msgpackr-extract-stub/package.json)');
