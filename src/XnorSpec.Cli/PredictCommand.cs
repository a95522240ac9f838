using System.CommandLine;
using XnorSpec.Data;
using XnorSpec.Experiments;
using XnorSpec.Files;
using XnorSpec.Runtime;
using static TorchSharp.torch;

namespace XnorSpec.Cli;

/// <summary>
/// `predict`: a saved model's probability for two images: the same colour for a model trained on solid
/// colours, the same category for one trained on Fashion-MNIST, whose images may also be named in the dataset.
/// </summary>
internal static class PredictCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "A model saved by `reproduce` (models/*.model), `train --save` or `import`, or a PyTorch state_dict (with --head).", Required = true };
        var (head, encoder, size) = Options.PyTorchReading();
        var query = new Argument<string>("IMAGE1")
        {
            Description = "Query image. Colour models: PNG or JPEG, RGB, square, resized to the model's input size. "
                + "Fashion-MNIST models: a greyscale PNG or JPEG of 28x28 (or the model's input size), or a dataset reference, test:N or train:N.",
        };
        var template = new Argument<string>("IMAGE2") { Description = "Template image, same rules." };
        var anyImage = new Option<bool>("--any-image") { Description = "Colour models: accept images that are not solid black or white (the model never saw such images)." };
        var data = new Option<string?>("--data")
        {
            Description = $"For dataset references: the folder holding Fashion-MNIST's four files, or `{FashionMnistFiles.FixtureWord}` for the checked-in subset (fixtures/fashion-mnist). "
                + $"Default: ${FashionMnistFiles.EnvironmentVariable}, else {FashionMnistFiles.PackageFolder}.",
        };
        var device = Options.Device();
        var command = new Command("predict", """
            Print the probability that two images have the same colour (a model trained on solid colours) or show
            the same category (a model trained on Fashion-MNIST), from a saved model (eval mode). A Fashion-MNIST
            model takes greyscale images of 28x28 (or of its input size), or dataset references: test:N or train:N,
            image N of that split of the --data folder (`fixture`: the checked-in subset).

            Examples:
              xnor-spec predict --model results/seed/models/product-samecolour.model fixtures/images/black.png fixtures/images/white.png
              xnor-spec predict --model my_template_evaluator.pt --head Product fixtures/images/black.png fixtures/images/black.png
              xnor-spec predict --model fashion.model fixtures/images/fashion/sneaker-test-0009.png fixtures/images/fashion/sneaker-test-0012.png
              xnor-spec predict --model fashion.model --data fixture test:9 fixtures/images/fashion/trouser-test-0002.png
            """)
        { model, query, template, anyImage, data, head, encoder, size, device };
        command.SetAction(parsed =>
        {
            var chosen = Devices.Resolve(parsed.GetValue(device));
            var arguments = new[] { parsed.GetValue(query)!, parsed.GetValue(template)! };
            using var scope = NewDisposeScope();
            var (pairModel, experiment, _) = AnyModelFile.Load(parsed.GetValue(model)!, new PyTorchReading(parsed.GetValue(head), parsed.GetValue(encoder), parsed.GetValue(size)), chosen);
            using var ___ = pairModel;
            if (experiment.Data == PairData.Colours && parsed.GetValue(data) is not null)
                throw new ArgumentException($"--data is for models trained on Fashion-MNIST; model {experiment.Name} was trained on solid black and white images.");
            var (images, descriptions) = experiment.Data == PairData.Colours
                ? ColourImages(arguments, experiment, parsed.GetValue(anyImage), chosen)
                : RealImages(arguments, experiment, parsed.GetValue(data), chosen);
            using var __ = no_grad();
            var probability = pairModel.call(images[0], images[1]).item<float>();
            Console.WriteLine(probability.ToString("F6", System.Globalization.CultureInfo.InvariantCulture));
            Console.Error.WriteLine($"{Question(experiment)} for {descriptions[0]} and {descriptions[1]}, model {experiment.Name} at {experiment.ImageSize}px.");
            return ExitCodes.Success;
        });
        return command;
    }

    private static (Tensor[] Images, string[] Descriptions) ColourImages(string[] paths, Experiment experiment, bool anyImage, Device device)
    {
        foreach (var path in paths.Where(DatasetReference.LooksLikeOne))
            throw new BadFileException(path, $"a dataset reference, but model {experiment.Name} was trained on solid black and white images, not on Fashion-MNIST",
                "Pass two image files, such as fixtures/images/black.png and fixtures/images/white.png.");
        var images = paths.Select(p => ImageFile.Load(p, experiment.ImageSize, device)).ToArray();
        var colours = images.Select(ImageFile.SolidColourOf).ToArray();
        for (int i = 0; i < 2; i++)
            if (colours[i] is null && !anyImage)
                throw new BadFileException(paths[i], "the image is not solid black or solid white, the only images the model was trained on", "Pass --any-image to predict anyway.");
        return (images, paths.Select((p, i) => $"{p} ({colours[i]?.ToString() ?? "not solid"})").ToArray());
    }

    private static (Tensor[] Images, string[] Descriptions) RealImages(string[] arguments, Experiment experiment, string? dataFolder, Device device)
    {
        // A model trained on the checked-in subset reads its references there unless --data or the variable says otherwise.
        if (dataFolder is null && experiment.Data == PairData.FashionMnistSubset
            && string.IsNullOrEmpty(Environment.GetEnvironmentVariable(FashionMnistFiles.EnvironmentVariable)))
            dataFolder = FashionMnistFiles.FixtureWord;
        using var inputs = new RealImageInputs(dataFolder, experiment.ImageSize, device);
        var read = arguments.Select(inputs.Read).ToArray();
        return (read.Select(r => r.Image).ToArray(), read.Select(r => r.Description).ToArray());
    }

    /// <summary>What the printed probability is of: the question the model's labels asked.</summary>
    private static string Question(Experiment experiment) => experiment.Data == PairData.Colours ? "P(same colour)" : experiment.Labels switch
    {
        LabelRule.SameCategory => "P(same category)",
        LabelRule.QueryInFirstHalf => "P(the query's category is in the first half)",
        _ => $"P(label 1 under {experiment.Labels})",
    };
}
