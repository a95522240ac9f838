using System.Globalization;
using FluentAssertions;
using SkiaSharp;
using XnorSpec.Experiments;
using XnorSpec.Files;
using XnorSpec.Runtime;
using XnorSpec.Spec.Support;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace XnorSpec.Spec.Cli;

/// <summary>
/// Claim: `predict` shows a model trained on Fashion-MNIST the dataset's own pixels. A greyscale image file
/// of a dataset image becomes exactly the tensor the training batches make of that image, a dataset
/// reference (test:123) the same, and whatever it cannot use faithfully (colour, another size,
/// transparency, a malformed or out-of-range reference) is refused by name with exit code 2. Colour
/// models keep their own rules (fixtures/images/fashion holds the example files).
/// </summary>
public sealed class Predict_on_real_images : IDisposable
{
    private readonly ITestOutputHelper output;
    private readonly TemporaryFolder folder = new("xnorspec-predict-images-");

    public Predict_on_real_images(ITestOutputHelper output)
    {
        this.output = output;
        NativeBackend.EnsureLoaded();
    }

    public void Dispose() => folder.Dispose();

    private static string Example(string name) => Fixtures.Path("images", "fashion", name);

    private static readonly string Sneaker9 = Example("sneaker-test-0009.png"), Sneaker12 = Example("sneaker-test-0012.png"), Trouser2 = Example("trouser-test-0002.png");

    private CliRun Predict(params string[] args)
    {
        var run = CliInProcess.Run(["predict", .. args]);
        output.WriteLine($"predict {string.Join(' ', args)}\n{run}");
        return run;
    }

    private static double Probability(CliRun run) => double.Parse(run.Output.Trim(), CultureInfo.InvariantCulture);

    /// <summary>A PNG in the spec's folder of one image of the fixture's test split: its grey values, or each copied into R, G and B.</summary>
    private string DatasetImagePng(int index, byte colourType)
    {
        var grey = FashionFixture.Test.Pixels[index].data<byte>().ToArray();
        var path = Path.Combine(folder.Location, $"test-{index}-type{colourType}.png");
        PngWriter.Write(path, 28, 28, colourType, colourType == PngWriter.Grey ? grey : grey.SelectMany(g => new[] { g, g, g }).ToArray());
        return path;
    }

    [Theory]
    [InlineData(PngWriter.Grey, 28)]
    [InlineData(PngWriter.Rgb, 28)]
    [InlineData(PngWriter.Grey, 32)]
    [InlineData(PngWriter.Rgb, 32)]
    public void A_greyscale_PNG_of_a_dataset_image_reads_as_exactly_the_tensor_the_training_batches_make_of_that_image(byte colourType, int modelSize)
    {
        using var scope = NewDisposeScope();
        const int index = 123;
        var path = DatasetImagePng(index, colourType);
        using (var codec = SKCodec.Create(path))
            (codec.Info.ColorType == SKColorType.Gray8).Should().Be(colourType == PngWriter.Grey, "SkiaSharp reports a one-channel PNG as Gray8, an RGB one not");

        using var inputs = new RealImageInputs(dataFolder: null, modelSize);
        var (image, description) = inputs.Read(path);

        var batch = FashionFixture.Test.Batch([index], modelSize)[0];
        image.shape.Should().Equal(3, modelSize, modelSize);
        image.dtype.Should().Be(ScalarType.Float32);
        image.allclose(batch, rtol: 0, atol: 0).Should().BeTrue("the file's tensor must be bit for bit the training batch's (largest difference {0})",
            (image - batch).abs().max().item<float>());
        description.Should().Be(path);
    }

    [Fact]
    public void Predict_gives_a_probability_for_a_same_category_pair_and_a_different_category_pair_of_the_example_PNGs()
    {
        var same = Predict("--model", PredictModels.FashionFile, Sneaker9, Sneaker12);
        var different = Predict("--model", PredictModels.FashionFile, Sneaker9, Trouser2);

        foreach (var run in new[] { same, different })
        {
            run.ExitCode.Should().Be(0);
            Probability(run).Should().BeInRange(0, 1);
            run.Errors.Should().StartWith("P(same category) for ").And.Contain(Sneaker9).And.Contain($"model {PredictModels.Fashion.Name} at 28px");
        }
        same.Errors.Should().Contain(Sneaker12);
        different.Errors.Should().Contain(Trouser2);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("32")]
    public void Dataset_references_give_the_probability_of_the_PNGs_of_the_same_images_and_name_their_categories(string? imageSize)
    {
        string[] size = imageSize is null ? [] : ["--image-size", imageSize];

        var files = Predict(["--model", PredictModels.FashionFile, .. size, Sneaker9, Trouser2]);
        var references = Predict(["--model", PredictModels.FashionFile, .. size, "--data", FashionMnistFiles.FixtureWord, "test:9", "test:2"]);
        var mixed = Predict(["--model", PredictModels.FashionFile, .. size, "--data", FashionMnistFiles.FixtureWord, Sneaker9, "test:2"]);

        references.ExitCode.Should().Be(0);
        references.Output.Should().Be(files.Output).And.Be(mixed.Output);
        references.Errors.Should().Contain("test:9 (Sneaker, test split of the checked-in subset)").And.Contain("test:2 (Trouser, test split of the checked-in subset)")
            .And.Contain($"at {imageSize ?? "28"}px");
    }

    [Fact]
    public void Dataset_references_read_the_dataset_from_data_else_from_XNORSPEC_FASHION_MNIST()
    {
        // A copy of the subset elsewhere stands for a folder holding the full dataset.
        var dataset = Directory.CreateDirectory(Path.Combine(folder.Location, "dataset")).FullName;
        foreach (var name in FashionMnistFiles.FileNames) File.Copy(Path.Combine(FashionMnistFiles.FixtureFolder, name), Path.Combine(dataset, name));

        var fromWord = Predict("--model", PredictModels.FashionFile, "--data", FashionMnistFiles.FixtureWord, "train:0", "test:0");
        var fromFolder = Predict("--model", PredictModels.FashionFile, "--data", dataset, "train:0", "test:0");
        var fromEnvironment = CliProcess.Run(new CliStart(Variables: new Dictionary<string, string> { [FashionMnistFiles.EnvironmentVariable] = dataset }),
            "predict", "--model", PredictModels.FashionFile, "train:0", "test:0");
        var missing = Path.Combine(folder.Location, "no-dataset-here");
        var nowhere = Predict("--model", PredictModels.FashionFile, "--data", missing, "test:0", Sneaker9);
        output.WriteLine(fromEnvironment.ToString());

        fromWord.ExitCode.Should().Be(0);
        fromWord.Errors.Should().Contain("train:0 (Ankle boot, train split of the checked-in subset)");
        fromFolder.Output.Should().Be(fromWord.Output);
        fromFolder.Errors.Should().Contain($"train:0 (Ankle boot, train split of {dataset})");
        fromEnvironment.ExitCode.Should().Be(0);
        fromEnvironment.Output.Should().Be(fromWord.Output);
        fromEnvironment.Errors.Should().Contain($"test:0 (Ankle boot, test split of {dataset})");
        nowhere.ExitCode.Should().Be(2);
        nowhere.Errors.Should().Contain(missing).And.Contain("no such folder (from the data folder given)").And.Contain("apt-get install dataset-fashion-mnist");
    }

    public static TheoryData<string, string> UnusableFiles => new()
    {
        // case (see BadFile), what the message must say
        { "colour", "the image has colour: red, green and blue differ at pixel (3, 1), (200, 10, 10)" },
        { "64x64", "the image is 64x64, not 28x28, the size of the dataset's images and of the model's input" },
        { "32x32", "the image is 32x32, not 28x28" },
        { "not square", "the image is 28x14, not 28x28" },
        { "grey with alpha", "the image has an alpha channel (transparency)" },
        { "RGBA", "the image has an alpha channel (transparency)" },
        { "64x64 at --image-size 32", "the image is 64x64, neither 28x28 (the dataset's images) nor 32x32 (the model's input)" },
    };

    [Theory]
    [MemberData(nameof(UnusableFiles))]
    public void Predict_refuses_an_image_file_a_real_image_model_cannot_use_naming_the_file_and_the_problem(string badCase, string problem)
    {
        var (path, args) = BadFile(badCase);

        var run = Predict(["--model", PredictModels.FashionFile, .. args, path, Sneaker9]);

        run.ExitCode.Should().Be(2);
        run.Output.Should().BeEmpty();
        run.Errors.Should().Contain($"error: {path}: {problem}");
    }

    private (string Path, string[] Args) BadFile(string badCase)
    {
        var path = Path.Combine(folder.Location, badCase.Replace(' ', '-') + ".png");
        byte[] Grey(int pixels) => Enumerable.Range(0, pixels).Select(i => (byte)(i % 251)).ToArray();
        switch (badCase)
        {
            case "colour":
                // Grey everywhere but one pixel: the check must look at every pixel, not a sample.
                var rgb = Grey(28 * 28).SelectMany(g => new[] { g, g, g }).ToArray();
                (rgb[3 * (28 + 3)], rgb[3 * (28 + 3) + 1], rgb[3 * (28 + 3) + 2]) = (200, 10, 10);
                PngWriter.Write(path, 28, 28, PngWriter.Rgb, rgb);
                break;
            case "64x64" or "64x64 at --image-size 32": PngWriter.Write(path, 64, 64, PngWriter.Grey, Grey(64 * 64)); break;
            case "32x32": PngWriter.Write(path, 32, 32, PngWriter.Grey, Grey(32 * 32)); break;
            case "not square": PngWriter.Write(path, 28, 14, PngWriter.Grey, Grey(28 * 14)); break;
            case "grey with alpha": PngWriter.Write(path, 28, 28, PngWriter.GreyAlpha, Grey(28 * 28).SelectMany(g => new[] { g, (byte)128 }).ToArray()); break;
            case "RGBA": PngWriter.Write(path, 28, 28, PngWriter.Rgba, Grey(28 * 28).SelectMany(g => new[] { g, g, g, (byte)255 }).ToArray()); break;
            default: throw new ArgumentOutOfRangeException(nameof(badCase), badCase, null);
        }
        return (path, badCase.EndsWith("--image-size 32") ? ["--image-size", "32"] : []);
    }

    [Theory]
    [InlineData("test:1000", "no such image: the test split of the checked-in subset has 1,000 images, test:0 to test:999")]
    [InlineData("train:3000", "no such image: the train split of the checked-in subset has 3,000 images, train:0 to train:2999")]
    [InlineData("test:99999999999", "no such image: the test split")]
    [InlineData("test:abc", "not a dataset reference: after 'test:' comes an image's index, a whole number from 0 such as test:123")]
    [InlineData("test:-1", "not a dataset reference")]
    [InlineData("train:", "not a dataset reference")]
    [InlineData("valid:3", "no such file, nor a dataset reference (the splits are train and test)")]
    public void Predict_refuses_a_dataset_reference_that_is_malformed_or_out_of_range_naming_it_and_the_splits_size(string reference, string problem)
    {
        var run = Predict("--model", PredictModels.FashionFile, "--data", FashionMnistFiles.FixtureWord, Sneaker9, reference);

        run.ExitCode.Should().Be(2);
        run.Output.Should().BeEmpty();
        run.Errors.Should().Contain($"error: {reference}: {problem}");
    }

    [Fact]
    public void For_a_colour_model_predict_refuses_dataset_references_and_greyscale_files_as_before()
    {
        var reference = Predict("--model", PredictModels.ColourFile, Fixtures.Path("images", "black.png"), "test:9");
        var greyscale = Predict("--model", PredictModels.ColourFile, Sneaker9, Fixtures.Path("images", "white.png"));
        var solid = Predict("--model", PredictModels.ColourFile, Fixtures.Path("images", "black.png"), Fixtures.Path("images", "white.png"));

        reference.ExitCode.Should().Be(2);
        reference.Errors.Should().Contain($"error: test:9: a dataset reference, but model {PredictModels.Colour.Name} was trained on solid black and white images, not on Fashion-MNIST");
        greyscale.ExitCode.Should().Be(2);
        greyscale.Errors.Should().Contain($"error: {Sneaker9}: the image has one channel (greyscale)");
        solid.ExitCode.Should().Be(0);
        solid.Errors.Should().StartWith($"P(same colour) for {Fixtures.Path("images", "black.png")} (Black) and {Fixtures.Path("images", "white.png")} (White), model {PredictModels.Colour.Name} at 32px.");
    }
}
