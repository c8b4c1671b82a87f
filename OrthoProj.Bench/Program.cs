return OrthoProj.Bench.BenchCli.Run(args);
