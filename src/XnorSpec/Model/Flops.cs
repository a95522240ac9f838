namespace XnorSpec.Model;

/// <summary>
/// Counted arithmetic of ResNet18, for throughput figures. Convention: 2 FLOPs per multiply-add of
/// every convolution and of the final linear layer; BatchNorm, ReLU, pooling and the residual
/// additions are left out (under 1% of the total). A training step costs 3x the forward pass
/// (backward computes gradients of inputs and of weights, each about one forward).
/// </summary>
public static class Flops
{
    /// <summary>One image through torchvision's ResNet18 (1000 outputs): 3.63 GFLOP at 224x224, 1.19 at 128x128.</summary>
    public static double ResNet18Forward(int imageSize)
    {
        int size = Out(imageSize, kernel: 7, stride: 2, padding: 3);
        double flops = Convolution(3, 64, kernel: 7, size);
        size = Out(size, kernel: 3, stride: 2, padding: 1); // max pool
        int channels = 64;
        foreach (var (width, firstStride) in new[] { (64, 1), (128, 2), (256, 2), (512, 2) })
        {
            for (int block = 0; block < 2; block++)
            {
                int stride = block == 0 ? firstStride : 1;
                size = Out(size, kernel: 3, stride, padding: 1);
                flops += Convolution(channels, width, 3, size) + Convolution(width, width, 3, size);
                if (stride != 1 || channels != width) flops += Convolution(channels, width, 1, size); // downsample
                channels = width;
            }
        }
        return flops + 2.0 * 512 * 1000;
    }

    /// <summary>One training epoch of a two-tower model: every pair's two images, forward and backward.</summary>
    public static double TrainingEpoch(int pairs, int imageSize) => 3.0 * 2 * pairs * ResNet18Forward(imageSize);

    private static int Out(int size, int kernel, int stride, int padding) => (size + 2 * padding - kernel) / stride + 1;

    private static double Convolution(int inputs, int outputs, int kernel, int outputSize) =>
        2.0 * inputs * outputs * kernel * kernel * outputSize * outputSize;
}
