using XnorSpec.Runtime;
using System.Buffers.Binary;
using System.IO.Compression;

namespace XnorSpec.Files;

/// <summary>
/// The gzipped IDX format of MNIST and Fashion-MNIST: two zero bytes, a type byte (0x08, unsigned
/// bytes), the rank, one big-endian int32 per dimension, then the values row by row. Anything else
/// is refused with a <see cref="BadFileException"/> naming the file and the problem.
/// </summary>
public static class IdxFile
{
    private const byte UnsignedBytes = 0x08;

    /// <summary>The dimensions the header states and the values, exactly as many as the dimensions promise.</summary>
    public sealed record Contents(int[] Dimensions, byte[] Values);

    public static Contents Read(string path, int rank, Remedy fix)
    {
        using var gzip = OpenGzip(path, fix);
        try
        {
            // The header first, then the values straight into one array of the size it states: no growing buffers, no copies.
            var header = new byte[4 + 4 * rank];
            int got = gzip.ReadAtLeast(header, header.Length, throwOnEndOfStream: false);
            if (got < header.Length)
                throw new BadFileException(path, $"too short for an IDX header ({got} bytes)", fix);
            if (header[0] != 0 || header[1] != 0 || header[2] != UnsignedBytes || header[3] != rank)
                throw new BadFileException(path, $"wrong magic number 0x{BinaryPrimitives.ReadUInt32BigEndian(header):X8}: an IDX file of unsigned bytes with {rank} dimension{(rank == 1 ? "" : "s")} starts with 0x{0x800 + rank:X8}", fix);
            var dimensions = new int[rank];
            long expected = 1;
            for (int d = 0; d < rank; d++)
            {
                dimensions[d] = BinaryPrimitives.ReadInt32BigEndian(header.AsSpan(4 + 4 * d));
                if (dimensions[d] < 0) throw new BadFileException(path, $"its header gives a negative dimension ({dimensions[d]})", fix);
                expected *= dimensions[d];
                // Checked after every factor, so the product never overflows.
                if (expected > Array.MaxLength)
                    throw new BadFileException(path, $"its header ({string.Join(" x ", dimensions.Take(d + 1))}...) promises more values than one array holds", fix);
            }
            var values = ReadValues(gzip, expected);
            long actual = values.Length;
            if (actual < expected)
                throw new BadFileException(path, $"truncated: its header ({string.Join(" x ", dimensions)}) promises {expected:N0} values, the file holds {actual:N0}", fix);
            long extra = 0;
            var rest = new byte[64 * 1024];
            for (int n; (n = gzip.Read(rest)) > 0;) extra += n;
            if (extra > 0)
                throw new BadFileException(path, $"{extra:N0} bytes more than its header ({string.Join(" x ", dimensions)}) promises", fix);
            return new Contents(dimensions, values);
        }
        catch (InvalidDataException e) { throw new BadFileException(path, $"damaged gzip data ({e.Message})", fix); }
    }

    /// <summary>
    /// Up to <paramref name="expected"/> values. Headers of real datasets (Fashion-MNIST's largest file: 47 MB) are
    /// read into one array of that size; a larger claim is read in growing chunks, so a damaged header cannot make
    /// the reader allocate gigabytes before the data runs out and the file is refused as truncated.
    /// </summary>
    private static byte[] ReadValues(Stream gzip, long expected)
    {
        const long TrustedSize = 256L << 20;
        if (expected <= TrustedSize)
        {
            var values = new byte[expected];
            int got = gzip.ReadAtLeast(values, values.Length, throwOnEndOfStream: false);
            return got == values.Length ? values : values[..got];
        }
        using var buffer = new MemoryStream();
        var chunk = new byte[1 << 20];
        for (int n; buffer.Length < expected && (n = gzip.Read(chunk, 0, (int)Math.Min(chunk.Length, expected - buffer.Length))) > 0;)
            buffer.Write(chunk, 0, n);
        return buffer.ToArray();
    }

    private static GZipStream OpenGzip(string path, Remedy fix)
    {
        FileStream file;
        try { file = File.OpenRead(path); }
        catch (FileNotFoundException) { throw new BadFileException(path, "no such file", fix); }
        catch (DirectoryNotFoundException) { throw new BadFileException(path, "no such file", fix); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw new BadFileException(path, $"cannot be read ({e.Message})", fix); }
        Span<byte> start = stackalloc byte[2];
        if (file.ReadAtLeast(start, 2, throwOnEndOfStream: false) < 2 || start[0] != 0x1F || start[1] != 0x8B)
        {
            file.Dispose();
            throw new BadFileException(path, "not a gzip file (IDX files are read gzipped, as the dataset ships them)", fix);
        }
        file.Position = 0;
        return new GZipStream(file, CompressionMode.Decompress, leaveOpen: false);
    }
}
