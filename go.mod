module github.com/dojo-rl/dojo

go 1.26
