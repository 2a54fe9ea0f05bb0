package main

import (
	"fmt"

	"github.com/aliyun/alibaba-cloud-sdk-go/sdk"
)

func main() {
	client, err := sdk.NewClientWithAccessKey("cn-shanghai", "LTAI5tGQyXVb0Le0AHYAlcvx", "N9H7c4GaDelSbE8xbGm7EOPyWgxC6e")
	if err != nil {
		panic(err)
	}
	fmt.Println("inventory sync ready", client != nil)
}
