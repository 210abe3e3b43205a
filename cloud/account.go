package cloud

import "net/http"

// Login logs in with an email and a password and returns the account's API
// token. The request carries no Authorization header.
func (c *Client) Login(email string, password string) (*LoginResponse, error) {
	body := struct {
		Email    string `json:"email"`
		Password string `json:"password"`
	}{email, password}
	req, err := c.NewRequest(http.MethodPost, c.baseURL+"/login", body)
	if err != nil {
		return nil, err
	}
	var login LoginResponse
	if err := c.do(req, &login, false); err != nil {
		return nil, err
	}
	return &login, nil
}

// ValidateToken asks the cloud whether the client's token is valid.
func (c *Client) ValidateToken() (*ValidateTokenResponse, error) {
	body := struct {
		Token string `json:"token"`
	}{c.token}
	req, err := c.NewRequest(http.MethodPost, c.baseURL+"/validate-token", body)
	if err != nil {
		return nil, err
	}
	var validation ValidateTokenResponse
	if err := c.Do(req, &validation); err != nil {
		return nil, err
	}
	return &validation, nil
}
