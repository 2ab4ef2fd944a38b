using System;
using System.Globalization;
using System.IO;
using System.Text;

// Usage: MakeModel <megabytes> <out.qgm.json> [seed]
// One dense layer, 4096 inputs, megabytes * 1024 outputs, 2-bit signed uniform codes: exactly
// megabytes * 2^20 bytes of packed codes. The code bytes come from new Random(seed), so the file is
// the same on every run and machine.
if (args.Length < 2)
{
    Console.Error.WriteLine("usage: MakeModel <megabytes> <out.qgm.json> [seed]");
    return 2;
}

int megabytes = int.Parse(args[0], CultureInfo.InvariantCulture);
string path = args[1];
int seed = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 12345;

const int Bits = 2;
const int Cols = 4096;
int rows = megabytes * 1024;
long packed = (long)rows * Cols * Bits / 8;
if (packed != (long)megabytes << 20)
{
    throw new InvalidOperationException("size arithmetic");
}

var codes = new byte[packed];
new Random(seed).NextBytes(codes);

var json = new StringBuilder();
json.Append("{\"schema\":\"quantgen.v1\",\"name\":\"big\",\"doc\":\"build-cost benchmark: ")
    .Append(megabytes.ToString(CultureInfo.InvariantCulture)).Append(" MB of random 2-bit codes, seed ")
    .Append(seed.ToString(CultureInfo.InvariantCulture)).Append("\",");
json.Append("\"inputs\":[{\"name\":\"x\",\"shape\":[").Append(Cols.ToString(CultureInfo.InvariantCulture)).Append("]}],");
json.Append("\"outputs\":[{\"name\":\"y\",\"shape\":[").Append(rows.ToString(CultureInfo.InvariantCulture)).Append("]}],");
json.Append("\"layers\":[{\"name\":\"fc\",\"dense\":{\"inFeatures\":").Append(Cols.ToString(CultureInfo.InvariantCulture))
    .Append(",\"outFeatures\":").Append(rows.ToString(CultureInfo.InvariantCulture))
    .Append(",\"weights\":{\"uniform\":{\"bits\":").Append(Bits.ToString(CultureInfo.InvariantCulture))
    .Append(",\"signed\":true,\"scales\":[0.01],\"codes\":\"")
    .Append(Convert.ToBase64String(codes))
    .Append("\"}}}}]}\n");
File.WriteAllText(path, json.ToString(), new UTF8Encoding(false));
Console.WriteLine($"{path}: {rows} x {Cols} at {Bits} bits, {packed} packed bytes");
return 0;
