using XnorSpec.Runtime;
using System.Diagnostics;
using XnorSpec.Data;
using static TorchSharp.torch;

namespace XnorSpec.Files;

/// <summary>
/// Fashion-MNIST from its four standard gzipped IDX files: a folder given on the command line, else
/// XNORSPEC_FASHION_MNIST, else the folder of Debian's and Ubuntu's package dataset-fashion-mnist.
/// The fixtures hold a small subset in the same files (fixtures/fashion-mnist), read the same way.
/// </summary>
public static class FashionMnistFiles
{
    public const string EnvironmentVariable = "XNORSPEC_FASHION_MNIST";
    public const string PackageFolder = "/usr/share/datasets/fashion-mnist";
    public const int Side = 28;

    public static readonly IReadOnlyList<string> CategoryNames =
        ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];

    /// <summary>The checked-in subset: 300 training and 100 test images per category.</summary>
    public static string FixtureFolder => Fixtures.Path("fashion-mnist");

    /// <summary>What --data says for the checked-in subset, from any working directory (a folder of that name is ./fixture).</summary>
    public const string FixtureWord = "fixture";

    /// <summary>
    /// The folder to read: <paramref name="given"/> (from --data; <see cref="FixtureWord"/> for the subset), else the environment variable, else the
    /// package's folder. Throws a <see cref="BadFileException"/> naming where it looked and both fixes when
    /// the chosen folder lacks the files.
    /// </summary>
    public static string Locate(string? given = null)
    {
        if (given == FixtureWord) return FixtureFolder;
        var fromEnvironment = Environment.GetEnvironmentVariable(EnvironmentVariable);
        var (folder, source) = !string.IsNullOrEmpty(given) ? (given, "the data folder given")
            : !string.IsNullOrEmpty(fromEnvironment) ? (fromEnvironment, EnvironmentVariable)
            : (PackageFolder, "the package folder");
        if (!Directory.Exists(folder))
            throw new BadFileException(folder, $"no such folder (from {source}), so Fashion-MNIST is not available", Remedy.InstallFashionMnist);
        var missing = FileNames.Where(name => !File.Exists(Path.Combine(folder, name))).ToList();
        if (missing.Count > 0)
            throw new BadFileException(Path.Combine(folder, missing[0]), $"no such file (from {source}; the folder lacks {string.Join(", ", missing)})", Remedy.InstallFashionMnist);
        return folder;
    }

    public static IReadOnlyList<string> FileNames { get; } =
        ["train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"];

    /// <summary>
    /// The images an experiment's data names: the checked-in subset for <see cref="PairData.FashionMnistSubset"/>, the
    /// located dataset for <see cref="PairData.FashionMnist"/> (<paramref name="folder"/> as from --data).
    /// </summary>
    public static ImageSplits Open(PairData data, string? folder = null)
    {
        var located = data switch
        {
            PairData.FashionMnistSubset => FixtureFolder,
            PairData.FashionMnist => Locate(folder),
            _ => throw new ArgumentException($"{data} pairs are not read from files.", nameof(data)),
        };
        var (train, test, took) = Load(located);
        return new ImageSplits(train, test, located, took);
    }

    /// <summary>Both splits of the dataset in <paramref name="folder"/>, and how long reading them took.</summary>
    public static (LabelledImages Train, LabelledImages Test, TimeSpan Took) Load(string folder)
    {
        Runtime.NativeBackend.EnsureLoaded(); // loading libtorch is not reading the files
        var clock = Stopwatch.StartNew();
        var train = LoadSplit(folder, "train", "train");
        try
        {
            var test = LoadSplit(folder, "t10k", "test");
            return (train, test, clock.Elapsed);
        }
        catch
        {
            train.Dispose();
            throw;
        }
    }

    /// <summary>The splits by the names the pairs and `predict`'s references use; the files name the test split t10k.</summary>
    public static IReadOnlyList<string> Splits { get; } = ["train", "test"];

    /// <summary>One split, "train" or "test", alone: `predict` needs only the one its references name.</summary>
    public static LabelledImages LoadSplit(string folder, string split) => split switch
    {
        "train" => LoadSplit(folder, "train", "train"),
        "test" => LoadSplit(folder, "t10k", "test"),
        _ => throw new ArgumentException($"Unknown split '{split}'; the splits are {string.Join(" and ", Splits)}.", nameof(split)),
    };

    private static LabelledImages LoadSplit(string folder, string prefix, string name)
    {
        var imagesPath = Path.Combine(folder, $"{prefix}-images-idx3-ubyte.gz");
        var labelsPath = Path.Combine(folder, $"{prefix}-labels-idx1-ubyte.gz");
        var images = IdxFile.Read(imagesPath, rank: 3, Remedy.InstallFashionMnist);
        var labels = IdxFile.Read(labelsPath, rank: 1, Remedy.InstallFashionMnist);
        var (count, rows, columns) = (images.Dimensions[0], images.Dimensions[1], images.Dimensions[2]);
        if (rows != Side || columns != Side)
            throw new BadFileException(imagesPath, $"its header says the images are {rows}x{columns}; Fashion-MNIST's are {Side}x{Side}", Remedy.InstallFashionMnist);
        if (labels.Dimensions[0] != count)
            throw new BadFileException(labelsPath, $"{labels.Dimensions[0]:N0} labels for the {count:N0} images of {Path.GetFileName(imagesPath)}", Remedy.InstallFashionMnist);
        int outside = Array.FindIndex(labels.Values, label => label >= CategoryNames.Count);
        if (outside >= 0)
            throw new BadFileException(labelsPath, $"label {labels.Values[outside]} at position {outside} is outside 0-{CategoryNames.Count - 1}", Remedy.InstallFashionMnist);
        var pixels = tensor(images.Values, new long[] { count, rows, columns }, dtype: ScalarType.Byte);
        return new LabelledImages(name, pixels, labels.Values, CategoryNames);
    }
}
