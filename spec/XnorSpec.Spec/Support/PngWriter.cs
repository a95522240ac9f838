using System.Buffers.Binary;
using System.IO.Compression;

namespace XnorSpec.Spec.Support;

/// <summary>
/// Writes 8-bit PNG files of a chosen PNG colour type byte for byte, so a spec controls exactly what a decoder is
/// given (an encoder library may choose another colour type than asked): 0 grey, 2 RGB, 4 grey and alpha, 6 RGBA.
/// </summary>
public static class PngWriter
{
    public const byte Grey = 0, Rgb = 2, GreyAlpha = 4, Rgba = 6;

    /// <summary>A PNG of <paramref name="width"/> x <paramref name="height"/> pixels, <paramref name="samples"/> row by row, each pixel's channels in PNG order.</summary>
    public static void Write(string path, int width, int height, byte colourType, byte[] samples)
    {
        int channels = colourType switch { Grey => 1, Rgb => 3, GreyAlpha => 2, Rgba => 4, _ => throw new ArgumentOutOfRangeException(nameof(colourType)) };
        if (samples.Length != width * height * channels) throw new ArgumentException($"{samples.Length} samples for {width}x{height}x{channels}.", nameof(samples));
        var rows = new MemoryStream();
        using (var zlib = new ZLibStream(rows, CompressionLevel.Optimal, leaveOpen: true))
            for (int y = 0; y < height; y++)
            {
                zlib.WriteByte(0); // filter type None
                zlib.Write(samples, y * width * channels, width * channels);
            }
        var header = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, width);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), height);
        (header[8], header[9]) = (8, colourType);
        using var file = File.Create(path);
        file.Write([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]);
        Chunk(file, "IHDR", header);
        Chunk(file, "IDAT", rows.ToArray());
        Chunk(file, "IEND", []);
    }

    private static void Chunk(Stream file, string kind, byte[] data)
    {
        var typeAndData = new byte[4 + data.Length];
        System.Text.Encoding.ASCII.GetBytes(kind, typeAndData);
        data.CopyTo(typeAndData, 4);
        Span<byte> number = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(number, data.Length);
        file.Write(number);
        file.Write(typeAndData);
        BinaryPrimitives.WriteUInt32BigEndian(number, Crc32(typeAndData));
        file.Write(number);
    }

    // PNG's CRC-32 (ISO 3309, reflected polynomial 0xEDB88320) over the chunk's type and data.
    private static uint Crc32(byte[] bytes)
    {
        uint crc = 0xFFFFFFFF;
        foreach (var b in bytes)
        {
            crc ^= b;
            for (int k = 0; k < 8; k++) crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320 : crc >> 1;
        }
        return ~crc;
    }
}
