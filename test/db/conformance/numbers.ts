import { Decimal128, Double, Int32, Long } from 'bson';
import { Expectations } from './context';

type Typed = { _bsontype?: string; toString(): string };

function typeAndValue(v: unknown): [string, string] {
  const t = v as Typed;
  return [t._bsontype ?? typeof v, t.toString()];
}

export const numberExpectations: Expectations = (s) => {
  describe('numbers', () => {
    it('round-trips Int32, Double, Long and Decimal128 exactly', async () => {
      const c = s().fresh();
      await c.insertOne({
        _id: 1,
        i: new Int32(5),
        d: new Double(5),
        f: new Double(2.5),
        l: Long.fromString('9007199254740993'),
        small: Long.fromNumber(7),
        dec: Decimal128.fromString('1.10'),
        nested: { d: new Double(1), list: [new Double(2), new Int32(3), Long.fromNumber(4)] },
      });
      const doc = await c.findOne({ _id: 1 }, { promoteValues: false });
      expect(typeAndValue(doc!.i)).toEqual(['Int32', '5']);
      expect(typeAndValue(doc!.d)).toEqual(['Double', '5']);
      expect(typeAndValue(doc!.f)).toEqual(['Double', '2.5']);
      expect(typeAndValue(doc!.l)).toEqual(['Long', '9007199254740993']);
      expect(typeAndValue(doc!.small)).toEqual(['Long', '7']);
      expect(typeAndValue(doc!.dec)).toEqual(['Decimal128', '1.10']);
      const nested = doc!.nested as { d: unknown; list: unknown[] };
      expect(typeAndValue(nested.d)).toEqual(['Double', '1']);
      expect(nested.list.map(typeAndValue)).toEqual([
        ['Double', '2'],
        ['Int32', '3'],
        ['Long', '4'],
      ]);
      const projected = await c.findOne({ _id: 1 }, { promoteValues: false, projection: { d: 1, l: 1 } });
      expect(typeAndValue(projected!.d)).toEqual(['Double', '5']);
      expect(typeAndValue(projected!.l)).toEqual(['Long', '9007199254740993']);
    });

    it('compares and sorts numbers across types', async () => {
      const c = s().fresh();
      await c.insertMany([
        { _id: 'int', v: new Int32(3) },
        { _id: 'double', v: new Double(2.5) },
        { _id: 'long', v: Long.fromNumber(4) },
        { _id: 'decimal', v: Decimal128.fromString('3.5') },
        { _id: 'whole-double', v: new Double(3) },
      ]);
      expect((await c.find().sort({ v: 1, _id: 1 }).toArray()).map((d) => d._id)).toEqual(['double', 'int', 'whole-double', 'decimal', 'long']);
      expect((await c.find({ v: { $gt: new Int32(3) } }).sort({ _id: 1 }).toArray()).map((d) => d._id)).toEqual(['decimal', 'long']);
      expect((await c.find({ v: 3 }).sort({ _id: 1 }).toArray()).map((d) => d._id)).toEqual(['int', 'whole-double']);
      expect((await c.find({ v: Long.fromNumber(4) }).toArray()).map((d) => d._id)).toEqual(['long']);
    });

    it('keeps the numeric type through $inc like mongod', async () => {
      const c = s().fresh();
      await c.insertOne({ _id: 1, i: new Int32(1), d: new Double(2), l: Long.fromNumber(3), big: new Int32(2147483647) });
      await c.updateOne({ _id: 1 }, { $inc: { i: 1, d: 1, l: 1, big: 1 } });
      const doc = await c.findOne({ _id: 1 }, { promoteValues: false });
      expect(typeAndValue(doc!.i)).toEqual(['Int32', '2']);
      expect(typeAndValue(doc!.d)).toEqual(['Double', '3']);
      expect(typeAndValue(doc!.l)).toEqual(['Long', '4']);
      expect(typeAndValue(doc!.big)).toEqual(['Long', '2147483648']);
    });
  });
};
