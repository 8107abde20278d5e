import express from 'express';
import multer from 'multer';
import supertest from 'supertest';
import { VIEWS_DIR } from '../../src/paths';
import { errorHandler } from '../../src/web/errors';

/** The app's own parsers with small limits, in front of the one error middleware. */
function appWithLimits() {
  const app = express();
  app.set('views', VIEWS_DIR);
  app.set('view engine', 'ejs');
  app.locals.toolName = 'PD Pathways';
  const upload = multer({ storage: multer.memoryStorage(), limits: { fileSize: 100, files: 1, fields: 3, fieldSize: 50, parts: 6 } });
  app.post('/upload', upload.single('file'), (_req, res) => res.send('stored'));
  app.post('/form', express.urlencoded({ extended: false, parameterLimit: 5, limit: '1kb' }), (_req, res) => res.send('saved'));
  app.post('/json', express.json({ limit: '1kb' }), (_req, res) => res.send('saved'));
  app.use(errorHandler);
  return supertest(app);
}

const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47]), Buffer.alloc(20)]);

describe('limit errors answer 400/413 with a clear message, never 500', () => {
  const cases: [string, () => supertest.Test, number, string][] = [
    ['a file over the size limit', () => appWithLimits().post('/upload').attach('file', Buffer.alloc(500), 'big.png'), 413, 'larger than the allowed size'],
    ['too many files', () => appWithLimits().post('/upload').attach('file', png, 'a.png').attach('file', png, 'b.png'), 413, 'Too many files'],
    ['a file in a field that takes none', () => appWithLimits().post('/upload').attach('photo', png, 'a.png'), 400, 'does not take one'],
    ['too many multipart fields', () => appWithLimits().post('/upload').field('a', '1').field('b', '2').field('c', '3').field('d', '4'), 413, 'too many fields'],
    ['too many multipart parts', () => { let r = appWithLimits().post('/upload'); for (let i = 0; i < 8; i += 1) r = r.field(`f${i % 3}`, 'x'); return r; }, 413, 'too many'],
    ['a multipart field that is too long', () => appWithLimits().post('/upload').field('note', 'x'.repeat(200)), 413, 'too long'],
    ['a broken multipart body', () => appWithLimits().post('/upload').set('Content-Type', 'multipart/form-data; boundary=zzz').send('--zzz\r\nContent-Disposition: form-data; name="a"\r\n\r\nunfinished'), 400, 'incomplete or malformed'],
    ['too many form parameters', () => appWithLimits().post('/form').type('form').send('a=1&b=2&c=3&d=4&e=5&f=6&g=7'), 413, 'too many fields'],
    ['a form body over the size limit', () => appWithLimits().post('/form').type('form').send(`a=${'x'.repeat(3000)}`), 413, 'too large'],
    ['a JSON body over the size limit', () => appWithLimits().post('/json').type('json').send(JSON.stringify({ a: 'x'.repeat(3000) })), 413, 'too large'],
    ['JSON that does not parse', () => appWithLimits().post('/json').type('json').send('{"a":'), 400, 'could not be read'],
    ['an unsupported charset', () => appWithLimits().post('/json').set('Content-Type', 'application/json; charset=klingon').send('{}'), 415, 'character set'],
  ];

  test.each(cases)('%s: an HTML page inside the LMS frame', async (_name, send, status, message) => {
    const res = await send().set('Accept', 'text/html');
    expect(res.status).toBe(status);
    expect(res.type).toBe('text/html');
    expect(res.text.toLowerCase()).toContain(message.toLowerCase());
    expect(res.text).not.toContain('Something went wrong');
  });

  test.each(cases)('%s: problem+json for API callers', async (_name, send, status, message) => {
    const res = await send().set('Accept', 'application/json');
    expect(res.status).toBe(status);
    expect(res.type).toBe('application/problem+json');
    const problem = JSON.parse(res.text);
    expect(problem.status).toBe(status);
    expect(problem.detail.toLowerCase()).toContain(message.toLowerCase());
  });
});
