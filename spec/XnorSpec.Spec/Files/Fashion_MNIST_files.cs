using System.Buffers.Binary;
using System.IO.Compression;
using FluentAssertions;
using XnorSpec.Files;
using XnorSpec.Spec.Support;
using Xunit;
using Xunit.Abstractions;

namespace XnorSpec.Spec.Files;

/// <summary>
/// Claim: Fashion-MNIST is read from its standard gzipped IDX files, the checked-in subset through the same
/// reader, and every unusable file is refused naming the file, the problem and both fixes.
/// </summary>
public sealed class Fashion_MNIST_files(ITestOutputHelper output) : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("xnorspec-fashion-").FullName;

    [Fact]
    public void The_checked_in_subset_loads_through_the_standard_reader_with_every_category_in_both_splits()
    {
        var (train, test) = (FashionFixture.Train, FashionFixture.Test);
        output.WriteLine($"fixture subset: {train.Count} training and {test.Count} test images in {FashionFixture.LoadTime.TotalMilliseconds:F0} ms");

        train.Pixels.shape.Should().Equal(3000, 28, 28);
        test.Pixels.shape.Should().Equal(1000, 28, 28);
        train.ByCategory.Select(members => members.Length).Should().AllBeEquivalentTo(300);
        test.ByCategory.Select(members => members.Length).Should().AllBeEquivalentTo(100);
        train.CategoryNames.Should().HaveCount(10).And.StartWith("T-shirt/top");
    }

    public static TheoryData<string, string, string> BadFiles => new()
    {
        // case, file the message must name, problem it must state
        { "missing folder", "", "no such folder" },
        { "missing file", "t10k-labels-idx1-ubyte.gz", "no such file" },
        { "not gzip", "train-images-idx3-ubyte.gz", "not a gzip file" },
        { "wrong magic number", "train-labels-idx1-ubyte.gz", "wrong magic number 0x00000803" },
        { "truncated", "train-images-idx3-ubyte.gz", "truncated" },
        { "image and label counts differ", "t10k-labels-idx1-ubyte.gz", "999 labels for the 1,000 images" },
        { "label outside 0-9", "train-labels-idx1-ubyte.gz", "label 10 at position 7 is outside 0-9" },
        { "images of another size", "train-images-idx3-ubyte.gz", "the images are 32x32; Fashion-MNIST's are 28x28" },
        { "more bytes than the header says", "t10k-images-idx3-ubyte.gz", "bytes more than its header" },
        { "a header promising more than an array holds", "train-images-idx3-ubyte.gz", "promises more values than one array holds" },
        { "a header promising a gigabyte", "t10k-images-idx3-ubyte.gz", "truncated: its header (1000 x 1000 x 1000) promises 1,000,000,000 values, the file holds 784,000" },
    };

    [Theory]
    [MemberData(nameof(BadFiles))]
    public void Every_unusable_dataset_file_is_refused_naming_the_file_the_problem_and_both_fixes(string @case, string file, string problem)
    {
        var data = Spoil(@case);
        var act = () => FashionMnistFiles.Load(FashionMnistFiles.Locate(data));

        var error = act.Should().Throw<BadFileException>().Which;
        output.WriteLine(error.Message);
        error.Message.Should().Contain(Path.Combine(data, file).TrimEnd('/')).And.Contain(problem)
            .And.Contain("apt-get install dataset-fashion-mnist").And.Contain("give a folder holding the four standard files");
    }

    /// <summary>A copy of the fixture subset spoiled one way; returns its folder.</summary>
    private string Spoil(string @case)
    {
        var data = Path.Combine(folder, "data");
        if (@case == "missing folder") return data;
        Directory.CreateDirectory(data);
        foreach (var name in FashionMnistFiles.FileNames) File.Copy(Path.Combine(FashionMnistFiles.FixtureFolder, name), Path.Combine(data, name));
        string At(string name) => Path.Combine(data, name);
        switch (@case)
        {
            case "missing file": File.Delete(At("t10k-labels-idx1-ubyte.gz")); break;
            case "not gzip": File.WriteAllBytes(At("train-images-idx3-ubyte.gz"), Unzip(At("train-images-idx3-ubyte.gz"))); break;
            case "wrong magic number": File.Copy(At("train-images-idx3-ubyte.gz"), At("train-labels-idx1-ubyte.gz"), overwrite: true); break;
            case "truncated": Rezip(At("train-images-idx3-ubyte.gz"), bytes => bytes[..(bytes.Length / 2)]); break;
            case "image and label counts differ":
                Rezip(At("t10k-labels-idx1-ubyte.gz"), bytes => { var cut = bytes[..^1]; BinaryPrimitives.WriteInt32BigEndian(cut.AsSpan(4), 999); return cut; });
                break;
            case "label outside 0-9": Rezip(At("train-labels-idx1-ubyte.gz"), bytes => { bytes[8 + 7] = 10; return bytes; }); break;
            case "images of another size":
                // A consistent file of 32x32 images: header and length agree, the size is what is wrong.
                Rezip(At("train-images-idx3-ubyte.gz"), bytes =>
                {
                    var resized = new byte[16 + 3000 * 32 * 32];
                    bytes.AsSpan(0, 16).CopyTo(resized);
                    BinaryPrimitives.WriteInt32BigEndian(resized.AsSpan(8), 32);
                    BinaryPrimitives.WriteInt32BigEndian(resized.AsSpan(12), 32);
                    return resized;
                });
                break;
            case "more bytes than the header says": Rezip(At("t10k-images-idx3-ubyte.gz"), bytes => [.. bytes, 0, 0, 0]); break;
            // Dimensions whose product overflows a long (2^31 - 1 squared, times 3); a gigabyte claimed, read only as far as the data goes.
            case "a header promising more than an array holds":
                Rezip(At("train-images-idx3-ubyte.gz"), bytes =>
                {
                    foreach (int at in new[] { 4, 8 }) BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(at), int.MaxValue);
                    BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(12), 3);
                    return bytes;
                });
                break;
            case "a header promising a gigabyte":
                Rezip(At("t10k-images-idx3-ubyte.gz"), bytes =>
                {
                    BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4), 1000);
                    BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(8), 1000);
                    BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(12), 1000);
                    return bytes;
                });
                break;
            default: throw new ArgumentOutOfRangeException(nameof(@case), @case, "no such case");
        }
        return data;
    }

    private static byte[] Unzip(string path)
    {
        using var gzip = new GZipStream(File.OpenRead(path), CompressionMode.Decompress);
        using var bytes = new MemoryStream();
        gzip.CopyTo(bytes);
        return bytes.ToArray();
    }

    private static void Rezip(string path, Func<byte[], byte[]> change)
    {
        var changed = change(Unzip(path));
        using var gzip = new GZipStream(File.Create(path), CompressionLevel.Fastest);
        gzip.Write(changed);
    }

    public void Dispose() => Directory.Delete(folder, recursive: true);
}
